import { ERROR_CODE_DOMAINS, ErrorCode, ErrorCodeSchema } from './errors';

describe('error codes', () => {
  const domains = Object.entries(ERROR_CODE_DOMAINS);

  it('merges every domain without one hiding another (no shared names or values)', () => {
    const names = domains.flatMap(([, codes]) => Object.keys(codes));
    const values = domains.flatMap(([, codes]) => Object.values(codes));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(values).size).toBe(values.length);
    expect(Object.keys(ErrorCode)).toHaveLength(names.length);
  });

  it('accepts every domain code in an error body and nothing else', () => {
    for (const [, codes] of domains) {
      for (const code of Object.values(codes)) expect(ErrorCodeSchema.parse(code)).toBe(code);
    }
    expect(ErrorCodeSchema.safeParse('SOMETHING_ELSE').success).toBe(false);
  });
});
