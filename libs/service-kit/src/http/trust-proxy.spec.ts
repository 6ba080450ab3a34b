import { z } from 'zod';
import { trustProxyField } from './trust-proxy';

const schema = z.object({ TRUST_PROXY: trustProxyField() });
const parse = (value?: string) => schema.safeParse(value === undefined ? {} : { TRUST_PROXY: value });

describe('TRUST_PROXY', () => {
  it('trusts no proxy unless told', () => {
    expect(parse().data?.TRUST_PROXY).toBe(false);
    expect(parse('false').data?.TRUST_PROXY).toBe(false);
  });

  it('takes a hop count, or a list of addresses, CIDRs and named ranges', () => {
    expect(parse('2').data?.TRUST_PROXY).toBe(2);
    expect(parse('10.0.0.0/8, 192.168.1.7,fd00::/8, loopback').data?.TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('refuses anything else, trusting everyone included, naming the bad entries', () => {
    for (const bad of ['true', '*', '10.0.0.0/8,proxy.internal', '300.1.1.1']) {
      const result = parse(bad);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toContain('not a proxy address');
    }
  });
});
