import type { GenerationChunk } from '../text-generation.provider';

export interface StreamRun {
  chunks: GenerationChunk[];
  /** What the stream threw; undefined when it ended normally. */
  error: unknown;
}

/**
 * Reads a provider stream to its end, keeping what came before a failure. `onChunk` sees the chunks so
 * far after each one arrives (e.g. to abort once the first has come).
 */
export async function runStream(
  stream: AsyncIterable<GenerationChunk>,
  onChunk?: (chunks: readonly GenerationChunk[]) => void,
): Promise<StreamRun> {
  const chunks: GenerationChunk[] = [];
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      onChunk?.(chunks);
    }
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

export function textOf(chunks: readonly GenerationChunk[]): string {
  return chunks.map((chunk) => (chunk.type === 'text' ? chunk.text : '')).join('');
}
