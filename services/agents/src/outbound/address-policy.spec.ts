import { AddressAllowListSchema, AddressPolicy } from './address-policy';

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();

  it.each(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '8.8.8.8'])('allows public %s', (a) =>
    expect(policy.refusalOf(a)).toBeNull(),
  );

  it.each([
    '127.0.0.1',
    '127.9.9.9',
    '10.0.0.1',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '[::1]',
  ])('refuses %s', (address) => expect(policy.refusalOf(address)).toMatch(/address/));

  it('refuses what is not an address', () => {
    expect(policy.refusalOf('example.com')).toMatch(/not an IP address/);
  });

  it('allows what the operator listed, address or range, and nothing next to it', () => {
    const listed = new AddressPolicy(AddressAllowListSchema.parse('127.0.0.2, 10.1.0.0/16, fd00::/8'));
    expect(listed.refusalOf('127.0.0.2')).toBeNull();
    expect(listed.refusalOf('10.1.200.3')).toBeNull();
    expect(listed.refusalOf('fd12::1')).toBeNull();
    expect(listed.refusalOf('127.0.0.1')).not.toBeNull();
    expect(listed.refusalOf('10.2.0.1')).not.toBeNull();
  });

  it('rejects a list entry that is not an address or range', () => {
    expect(AddressAllowListSchema.safeParse('10.0.0.0/8,intranet').success).toBe(false);
    expect(AddressAllowListSchema.parse('')).toEqual([]);
  });
});
