import { completionChunk, contentChunkSerializer } from './openai-chat-response';

describe('contentChunkSerializer', () => {
  const serialize = contentChunkSerializer('chatcmpl-1', 1_700_000_000, 'openai/gpt-4o-mini');

  it.each([
    '',
    'hello',
    ' t0',
    'quote " backslash \\ newline \n',
    '\u0000text\u0000',
    'emoji 🙂 and ünïcode',
  ])('gives exactly the content chunk for %j', (text) => {
    const expected = completionChunk(
      'chatcmpl-1',
      1_700_000_000,
      'openai/gpt-4o-mini',
      { content: text },
      null,
    );
    expect(serialize(text)).toBe(JSON.stringify(expected));
    expect(JSON.parse(serialize(text))).toEqual(expected);
  });

  it.each(['model\u0000name', '\u0000text\u0000'])(
    'keeps ids and model names that need escaping intact (model %j)',
    (model) => {
      const odd = contentChunkSerializer('id"with\\quotes', 1, model);
      expect(JSON.parse(odd('x'))).toEqual(
        completionChunk('id"with\\quotes', 1, model, { content: 'x' }, null),
      );
    },
  );
});
