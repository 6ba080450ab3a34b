import { Injectable } from '@nestjs/common';
import { CompletionMessage, DomainError, ErrorCode, PromptContext } from '@conduit/contracts';
import { countTextTokens, TOKENS_PER_MESSAGE } from './prompt-tokens';

/** A message to send; stored ones carry their id, so their size is counted once per process. */
export type PromptMessage = CompletionMessage & { id?: string };

export interface FittedPrompt {
  messages: CompletionMessage[];
  context: PromptContext;
}

/** Tokens that prime the answer after the last message in chat formats. */
const REPLY_PRIMING_TOKENS = 3;
/** Counts of stored messages kept in memory: a long session is counted once, not on every turn. */
const CACHED_COUNTS = 50_000;

/**
 * Fits a conversation into a model's context window: keeps the system prompt and as many of the newest
 * messages as fit, leaving room for the answer, and says what it left out. The history it keeps starts
 * with a user message, as providers require. The newest message must fit, or the request cannot be served.
 */
@Injectable()
export class ContextWindowFitter {
  private readonly counts = new Map<string, number>();

  fit(messages: readonly PromptMessage[], contextWindow: number, reservedForAnswer: number): FittedPrompt {
    const system = messages.filter((m) => m.role === 'system');
    const history = messages.filter((m) => m.role !== 'system');
    const promptLimit = promptLimitOf(contextWindow, reservedForAnswer);
    let used = REPLY_PRIMING_TOKENS;
    for (const message of system) {
      const tokens = this.tokensOf(message, promptLimit - used);
      if (tokens === null) throw tooLong('The system prompt', contextWindow, promptLimit);
      used += tokens;
    }
    const kept: PromptMessage[] = [];
    for (let i = history.length - 1; i >= 0; i--) {
      const message = history[i] as PromptMessage;
      const tokens = this.tokensOf(message, promptLimit - used);
      if (tokens === null) break;
      kept.push(message);
      used += tokens;
    }
    if (history.length > 0 && kept.length === 0) throw tooLong('The message', contextWindow, promptLimit);
    // Oldest kept last here: an answer whose question was left out goes too.
    while (kept.length > 1 && kept.at(-1)?.role === 'assistant') {
      used -= this.tokensOf(kept.pop() as PromptMessage) ?? 0;
    }
    const sent = [...system, ...kept.reverse()].map(({ role, content }) => ({ role, content }));
    return {
      messages: sent,
      context: {
        includedMessages: kept.length,
        omittedMessages: history.length - kept.length,
        promptTokens: used,
      },
    };
  }

  /**
   * The messages {@link fit} would send, for callers that need no token count: a prompt that cannot
   * exceed the window is not counted at all. Every token of the encoding stands for at least one byte
   * of UTF-8, so the byte length (with each message's framing) bounds the count from above; only a
   * prompt over that bound is counted and fitted. What the prompt cost comes from the provider's usage.
   */
  fitMessages(
    messages: readonly CompletionMessage[],
    contextWindow: number,
    reservedForAnswer: number,
  ): CompletionMessage[] {
    let bound = REPLY_PRIMING_TOKENS;
    for (const message of messages) bound += Buffer.byteLength(message.content) + TOKENS_PER_MESSAGE;
    if (bound > promptLimitOf(contextWindow, reservedForAnswer)) {
      return this.fit(messages, contextWindow, reservedForAnswer).messages;
    }
    // Everything fits: as `fit` sends it, system prompt first and the history from its first user message on.
    const system = messages.filter((m) => m.role === 'system');
    const history = messages.filter((m) => m.role !== 'system');
    let first = 0;
    while (history.length - first > 1 && history[first]?.role === 'assistant') first += 1;
    return [...system, ...history.slice(first)].map(({ role, content }) => ({ role, content }));
  }

  /** A message's tokens with its framing, or null once they pass `limit`. */
  private tokensOf(message: PromptMessage, limit = Number.POSITIVE_INFINITY): number | null {
    // The length is part of the key: a partial answer saved earlier may have grown since.
    const key = message.id === undefined ? null : `${message.id}:${message.content.length}`;
    const cached = key === null ? undefined : this.counts.get(key);
    if (cached !== undefined) return cached > limit ? null : cached;
    const text = countTextTokens(message.content, limit - TOKENS_PER_MESSAGE);
    if (text === null) return null;
    const tokens = text + TOKENS_PER_MESSAGE;
    if (key !== null) this.remember(key, tokens);
    return tokens;
  }

  private remember(key: string, tokens: number): void {
    if (this.counts.size >= CACHED_COUNTS) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    this.counts.set(key, tokens);
  }
}

/** Tokens the prompt may take: the window less the room kept for the answer (at most half of it). */
function promptLimitOf(contextWindow: number, reservedForAnswer: number): number {
  return contextWindow - Math.min(reservedForAnswer, Math.floor(contextWindow / 2));
}

function tooLong(what: string, contextWindow: number, promptTokenLimit: number): DomainError {
  return new DomainError(ErrorCode.ContextLengthExceeded, `${what} is longer than the model can read`, {
    contextWindow,
    promptTokenLimit,
  });
}
