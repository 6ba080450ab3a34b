import { setTimeout as sleep } from 'node:timers/promises';
import type { CompletionMessage } from '@conduit/contracts';
import type { GenerationChunk, GenerationRequest, TextGenerationProvider } from './text-generation.provider';

export const OFFLINE_PROVIDER_ID = 'offline';
export const OFFLINE_MODEL_ID = 'offline/placeholder';
export const DEFAULT_OFFLINE_TOKEN_DELAY_MS = 15;

const QUOTE_MAX_CHARS = 80;

export interface OfflineProviderOptions {
  /** Pause before each word; 0 streams everything at once. Default 15 ms. */
  tokenDelayMs?: number;
}

/**
 * The provider used when no model is configured. It is not a language model and says so: it streams a fixed
 * notice, word by word so clients exercise the same streaming path, and counts words as tokens.
 */
export class OfflineProvider implements TextGenerationProvider {
  readonly id = OFFLINE_PROVIDER_ID;
  private readonly tokenDelayMs: number;

  constructor(options: OfflineProviderOptions = {}) {
    this.tokenDelayMs = Math.max(0, options.tokenDelayMs ?? DEFAULT_OFFLINE_TOKEN_DELAY_MS);
  }

  async *stream({ messages, params, signal }: GenerationRequest): AsyncGenerator<GenerationChunk> {
    const words = splitWords(offlineNotice(messages));
    const limit = params.maxTokens ?? words.length;
    const sent = words.slice(0, limit);
    for (const word of sent) {
      await this.pause(signal);
      yield { type: 'text', text: word };
    }
    signal.throwIfAborted();
    const inputTokens = messages.reduce((sum, message) => sum + countWords(message.content), 0);
    yield { type: 'usage', usage: { inputTokens, outputTokens: sent.length, cachedTokens: 0 } };
    yield { type: 'finish', reason: sent.length < words.length ? 'length' : 'stop' };
  }

  private async pause(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.tokenDelayMs === 0) return;
    try {
      await sleep(this.tokenDelayMs, undefined, { signal });
    } catch (error) {
      // timers/promises rejects with its own AbortError; the caller expects the signal's reason.
      signal.throwIfAborted();
      throw error;
    }
  }
}

export function offlineNotice(messages: readonly CompletionMessage[]): string {
  const lastUserMessage = messages.findLast((message) => message.role === 'user')?.content ?? '';
  const wordCount = countWords(lastUserMessage);
  const notice =
    'Offline placeholder: no language model is configured on this server, so this is not a generated answer. ' +
    'Configure OPENAI_API_KEY, ANTHROPIC_API_KEY or an OpenAI-compatible provider to get real answers.';
  if (wordCount === 0) return notice;
  return `${notice} Your message was ${wordCount} ${wordCount === 1 ? 'word' : 'words'} long: "${quote(lastUserMessage)}"`;
}

function quote(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length <= QUOTE_MAX_CHARS ? flat : `${flat.slice(0, QUOTE_MAX_CHARS - 1)}…`;
}

/** Words with their leading whitespace, so that joining the chunks gives the text back. */
function splitWords(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}
