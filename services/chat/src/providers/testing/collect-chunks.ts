import type { GenerationChunk } from '../text-generation.provider';

export interface StreamRun {
  chunks: GenerationChunk[];
  /** What the stream threw; undefined when it ended normally. */
  error: unknown;
}

/** Reads a provider stream to its end, keeping what came before a failure. */
export async function runStream(stream: AsyncIterable<GenerationChunk>): Promise<StreamRun> {
  const chunks: GenerationChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

export function textOf(chunks: readonly GenerationChunk[]): string {
  return chunks.map((chunk) => (chunk.type === 'text' ? chunk.text : '')).join('');
}

/** Polls until `condition` holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
