import { countTokens } from 'gpt-tokenizer';
import { CompletionMessage, ErrorCode } from '@conduit/contracts';
import { ContextWindowFitter } from './context-window';
import { countTextTokens } from './prompt-tokens';

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');

describe('countTextTokens', () => {
  it('counts as the o200k encoding does, within a token per piece cut', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(500);
    const exact = countTokens(text);
    const counted = countTextTokens(text) ?? 0;
    expect(counted).toBeGreaterThanOrEqual(exact);
    expect(counted).toBeLessThanOrEqual(exact + Math.ceil(text.length / 900));
  });

  it('counts the spelling of a special token as plain text', () => {
    expect(countTextTokens('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('stops counting once past the limit', () => {
    expect(countTextTokens(words(5_000, 'w'), 100)).toBeNull();
    expect(countTextTokens('short', 100)).toBe(countTokens('short'));
  });
});

describe('ContextWindowFitter', () => {
  const fitter = new ContextWindowFitter();
  const turn = (i: number): CompletionMessage[] => [
    { role: 'user', content: words(40, `q${i}-`) },
    { role: 'assistant', content: words(40, `a${i}-`) },
  ];

  it('keeps the system prompt and the newest turns, and says what it left out', () => {
    const history = Array.from({ length: 10 }, (_, i) => turn(i)).flat();
    const system: CompletionMessage = { role: 'system', content: 'Be brief.' };
    const question: CompletionMessage = { role: 'user', content: 'And now?' };
    const { messages, context } = fitter.fit([system, ...history, question], 1_000, 400);
    expect(messages[0]).toEqual(system);
    expect(messages.at(-1)).toEqual(question);
    expect(messages[1]?.role).toBe('user');
    const kept = messages.slice(1);
    expect(kept).toEqual([...history, question].slice(-kept.length));
    expect(context.includedMessages).toBe(kept.length);
    expect(context.omittedMessages).toBe(history.length + 1 - kept.length);
    expect(context.omittedMessages).toBeGreaterThan(0);
    expect(context.promptTokens).toBeLessThanOrEqual(600);
    expect(context.promptTokens).toBeGreaterThanOrEqual(
      messages.reduce((sum, m) => sum + countTokens(m.content), 0),
    );
  });

  it('leaves out an answer whose question did not fit', () => {
    const history: CompletionMessage[] = [
      { role: 'user', content: words(300, 'long') },
      { role: 'assistant', content: 'short answer' },
      { role: 'user', content: 'next' },
    ];
    const { messages, context } = fitter.fit(history, 600, 300);
    expect(messages).toEqual([{ role: 'user', content: 'next' }]);
    expect(context).toMatchObject({ includedMessages: 1, omittedMessages: 2 });
  });

  it('sends everything when it fits', () => {
    const history = turn(1);
    expect(fitter.fit(history, 128_000, 16_384).context).toMatchObject({
      includedMessages: 2,
      omittedMessages: 0,
    });
  });

  it('refuses a newest message or system prompt longer than the window allows', () => {
    const long = { role: 'user' as const, content: words(2_000, 'x') };
    expect(() => fitter.fit([long], 1_000, 100)).toThrow(
      expect.objectContaining({ code: ErrorCode.ContextLengthExceeded }),
    );
    expect(() =>
      fitter.fit(
        [
          { role: 'system', content: long.content },
          { role: 'user', content: 'hi' },
        ],
        1_000,
        100,
      ),
    ).toThrow(expect.objectContaining({ code: ErrorCode.ContextLengthExceeded }));
  });

  it('counts a stored message once, and again when it has grown', () => {
    const cached = new ContextWindowFitter();
    const message = { id: 'm1', role: 'user' as const, content: words(50, 'c') };
    const first = cached.fit([message], 10_000, 100).context.promptTokens;
    expect(cached.fit([message], 10_000, 100).context.promptTokens).toBe(first);
    const grown = { ...message, content: `${message.content} ${words(50, 'd')}` };
    expect(cached.fit([grown], 10_000, 100).context.promptTokens).toBeGreaterThan(first);
  });

  describe('fitMessages (no token count wanted)', () => {
    const system: CompletionMessage = { role: 'system', content: 'Be brief.' };

    it('sends what fit sends when the prompt surely fits: system prompt first, from the first user message on', () => {
      const prompts: CompletionMessage[][] = [
        turn(1),
        [{ role: 'assistant', content: 'Hello!' }, ...turn(2), { role: 'user', content: 'ok?' }],
        [...turn(3), system, { role: 'user', content: 'and?' }],
        [system],
        [{ role: 'assistant', content: 'alone' }],
      ];
      for (const prompt of prompts) {
        expect(fitter.fitMessages(prompt, 128_000, 16_384)).toEqual(
          fitter.fit(prompt, 128_000, 16_384).messages,
        );
      }
    });

    it('fits a prompt that may exceed the window as fit does, and refuses one that cannot fit', () => {
      const history = Array.from({ length: 10 }, (_, i) => turn(i)).flat();
      const prompt = [system, ...history, { role: 'user' as const, content: 'And now?' }];
      const fitted = fitter.fitMessages(prompt, 1_000, 400);
      expect(fitted).toEqual(fitter.fit(prompt, 1_000, 400).messages);
      expect(fitted.length).toBeLessThan(prompt.length);
      expect(() => fitter.fitMessages([{ role: 'user', content: words(2_000, 'x') }], 1_000, 100)).toThrow(
        expect.objectContaining({ code: ErrorCode.ContextLengthExceeded }),
      );
    });

    it('bounds the count by UTF-8 bytes, so multi-byte text is never let through uncounted when it may not fit', () => {
      // 300 characters of 3 bytes each: 900 bytes, over a 600-token limit by bytes, so it is counted.
      const wide = { role: 'user' as const, content: '語'.repeat(300) };
      expect(fitter.fitMessages([wide], 1_200, 600)).toEqual(fitter.fit([wide], 1_200, 600).messages);
    });
  });
});
