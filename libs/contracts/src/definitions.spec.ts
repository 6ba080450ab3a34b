import { ChatContract } from './chat';
import { isTextDeltaEvent } from './definitions';

describe('isTextDeltaEvent', () => {
  const schema = ChatContract.completionStream.event;

  it.each([
    { seq: 0, type: 'delta', text: 'hello' },
    { seq: 41, type: 'delta', text: '' },
    { text: ' t3', type: 'delta', seq: 3 },
  ])('accepts %j, which the schema accepts unchanged', (value) => {
    expect(isTextDeltaEvent(value)).toBe(true);
    expect(schema.parse(value)).toEqual(value);
  });

  it.each([
    null,
    'delta',
    [],
    { seq: 0, type: 'delta' },
    { seq: 0, type: 'delta', text: 5 },
    { seq: -1, type: 'delta', text: 'x' },
    { seq: 1.5, type: 'delta', text: 'x' },
    { seq: '1', type: 'delta', text: 'x' },
    { seq: 2 ** 60, type: 'delta', text: 'x' },
    { seq: 0, type: 'done', text: 'x' },
    { seq: 0, type: 'delta', text: 'x', extra: true },
  ])('leaves %j to the schema', (value) => {
    expect(isTextDeltaEvent(value)).toBe(false);
  });

  it('never accepts what the schema would change or refuse', () => {
    const candidates: unknown[] = [
      { seq: 0, type: 'delta', text: 'x', injected: '<script>' },
      Object.assign(Object.create({ inherited: 1 }), { seq: 0, type: 'delta', text: 'x' }),
    ];
    for (const value of candidates) {
      const parsed = schema.safeParse(value);
      if (isTextDeltaEvent(value)) expect(parsed.success && parsed.data).toEqual(value);
    }
  });
});
