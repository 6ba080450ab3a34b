import type { RecalledPassage } from '@conduit/contracts';

export interface MemoryPrompt {
  /** The system message's text. */
  content: string;
  /** How many of the passages (the first ones, best first) it holds. */
  included: number;
}

const HEADER =
  "Passages recalled from the user's earlier conversations and saved documents. Use them only where " +
  'they help answer, cite them as [1], [2], ... where you do, and do not mention this note otherwise.';

/**
 * The system message that hands recalled passages to the model, numbered so the answer can cite them,
 * kept within `maxChars` (whole passages only, best first). Null when no passage fits.
 */
export function memoryPromptOf(passages: readonly RecalledPassage[], maxChars: number): MemoryPrompt | null {
  const parts: string[] = [HEADER];
  let length = HEADER.length;
  for (const passage of passages) {
    const origin = passage.sessionId ? 'an earlier conversation' : `collection "${passage.collection}"`;
    const title = passage.title ? `, "${passage.title}"` : '';
    const part = `[${parts.length}] (${origin}${title})\n${passage.text.trim()}`;
    if (length + 2 + part.length > maxChars) break;
    parts.push(part);
    length += 2 + part.length;
  }
  return parts.length === 1 ? null : { content: parts.join('\n\n'), included: parts.length - 1 };
}
