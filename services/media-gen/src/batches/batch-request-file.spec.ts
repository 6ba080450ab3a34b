import { isValidRequestLine, parseRequestLine, readRequestFile } from './batch-request-file';

const encode = (text: string) => new TextEncoder().encode(text);
const line = (customId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'offline/placeholder', messages: [{ role: 'user', content: 'hi' }] },
    ...extra,
  });

describe('readRequestFile', () => {
  it('reads one JSON object per line, numbering physical lines and skipping blank ones', () => {
    const lines = readRequestFile(encode(`${line('a')}\r\n\n${line('b')}\n`), 10);
    expect(lines.map((l) => [l.line, l.json.custom_id])).toEqual([
      [1, 'a'],
      [3, 'b'],
    ]);
  });

  it.each([
    ['not JSON', 'oops\n', /Line 1 is not valid JSON/],
    ['a JSON array', `${line('a')}\n[1]\n`, /Line 2 is not a JSON object/],
    ['nothing', '\n \n', /no requests/],
    [
      'a repeated custom_id',
      `${line('a')}\n${line('b')}\n${line('a')}`,
      /Line 3 repeats the custom_id of line 1/,
    ],
    ['too many lines', `${line('a')}\n${line('b')}\n${line('c')}`, /more than 2 requests/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => readRequestFile(encode(text), 2)).toThrow(message);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => readRequestFile(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]), 2)).toThrow(/not UTF-8/);
  });
});

describe('parseRequestLine', () => {
  const parse = (text: string) => parseRequestLine({ line: 7, json: JSON.parse(text) });

  it('takes a chat completion request', () => {
    const parsed = parse(line('a'));
    expect(isValidRequestLine(parsed)).toBe(true);
    expect(parsed).toMatchObject({ line: 7, customId: 'a', body: { model: 'offline/placeholder' } });
  });

  it.each([
    ['another method', line('a', { method: 'GET' }), /method must be POST/],
    ['another endpoint', line('a', { url: '/v1/embeddings' }), /url must be \/v1\/chat\/completions/],
    [
      'a streaming body',
      line('a', { body: { model: 'm/x', stream: true, messages: [{ role: 'user', content: 'x' }] } }),
      /streaming/,
    ],
    ['no messages', line('a', { body: { model: 'm/x' } }), /body.messages/],
    ['an unknown field', line('a', { extra: 1 }), /Line 7 is not a valid request/],
    ['no custom_id', JSON.stringify({ method: 'POST' }), /custom_id/],
  ])('says why %s is no request', (_what, text, message) => {
    const parsed = parse(text);
    expect(isValidRequestLine(parsed)).toBe(false);
    expect(parsed).toMatchObject({ line: 7, message: expect.stringMatching(message) });
  });

  it('keeps the custom_id of an invalid line when it has one', () => {
    expect(parse(line('kept', { method: 'PUT' }))).toMatchObject({ customId: 'kept' });
    expect(parse(JSON.stringify({ custom_id: 5 }))).toMatchObject({ customId: null });
  });
});
