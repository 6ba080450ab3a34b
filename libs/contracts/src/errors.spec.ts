import { z } from 'zod';
import { ERROR_CODE_DOMAINS, ErrorCode, ErrorCodeSchema, validationError } from './errors';

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

describe('validationError', () => {
  const Batch = z.strictObject({ documents: z.array(z.strictObject({ text: z.string() })).max(2) });
  const Single = z.strictObject({ text: z.string(), title: z.string().optional() });
  const Either = z.union([Batch, Single]);
  const fieldsOf = (value: unknown) => validationError(Either.safeParse(value).error!).details?.fields;

  it('reports a value that fits no option of a union as the option it came closest to', () => {
    expect(fieldsOf({ documents: [{ text: 'a' }, { text: 'b' }, { text: 'c' }] })).toEqual([
      { path: 'documents', message: expect.stringContaining('<=2') },
    ]);
    expect(fieldsOf({ title: 'no text' })).toEqual([{ path: 'text', message: expect.any(String) }]);
  });
});
