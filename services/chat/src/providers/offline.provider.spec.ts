import type { CompletionMessage, GenerationParams } from '@conduit/contracts';
import { OfflineProvider, offlineNotice } from './offline.provider';
import { runStream, textOf } from './testing/collect-chunks';

const messages: CompletionMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'What is the capital of France?' },
];

function stream(
  provider: OfflineProvider,
  params: GenerationParams = {},
  signal = new AbortController().signal,
  onChunk?: Parameters<typeof runStream>[1],
) {
  return runStream(provider.stream({ model: 'placeholder', messages, params, signal }), onChunk);
}

describe('OfflineProvider', () => {
  it('says plainly that it is not a language model, and does not answer the question', async () => {
    const { chunks, error } = await stream(new OfflineProvider({ tokenDelayMs: 0 }));
    const text = textOf(chunks);

    expect(error).toBeUndefined();
    expect(text).toMatch(/^Offline placeholder: no language model is configured on this server/);
    expect(text).toContain('this is not a generated answer');
    expect(text).toContain('Your message was 6 words long: "What is the capital of France?"');
    expect(text).not.toMatch(/Paris/);
  });

  it('streams word by word, then usage counted in whitespace words, then a stop finish', async () => {
    const { chunks } = await stream(new OfflineProvider({ tokenDelayMs: 0 }));
    const textChunks = chunks.filter((chunk) => chunk.type === 'text');
    const words = textOf(chunks).split(/\s+/).length;

    expect(textChunks.length).toBe(words);
    expect(textChunks.every((chunk) => chunk.text.trim().split(/\s+/).length === 1)).toBe(true);
    expect(chunks.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 5 + 6, outputTokens: words, cachedTokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('stops at max tokens with a length finish', async () => {
    const { chunks } = await stream(new OfflineProvider({ tokenDelayMs: 0 }), { maxTokens: 3 });

    expect(textOf(chunks)).toBe('Offline placeholder: no');
    expect(chunks.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it('paces words by the configured delay', async () => {
    const started = Date.now();
    await stream(new OfflineProvider({ tokenDelayMs: 5 }), { maxTokens: 10 });

    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('stops when the signal aborts, rethrowing the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('client cancelled');

    // Aborted in the pause before the second word: the pause starts as the first word is taken, before
    // the next turn of the event loop, where the abort comes.
    const { chunks, error } = await stream(
      new OfflineProvider({ tokenDelayMs: 20 }),
      {},
      controller.signal,
      () => setImmediate(() => controller.abort(reason)),
    );

    expect(error).toBe(reason);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.type).toBe('text');
  });

  it('sends nothing when the signal is already aborted, even without a delay', async () => {
    const controller = new AbortController();
    controller.abort();

    const { chunks, error } = await stream(new OfflineProvider({ tokenDelayMs: 0 }), {}, controller.signal);

    expect(chunks).toEqual([]);
    expect((error as Error).name).toBe('AbortError');
  });

  it('quotes only the start of a long message', () => {
    const long = `${'word '.repeat(200)}end`;
    const notice = offlineNotice([{ role: 'user', content: long }]);

    expect(notice).toContain('Your message was 201 words long');
    expect(notice.length).toBeLessThan(400);
    expect(notice).toMatch(/…"$/);
  });
});
