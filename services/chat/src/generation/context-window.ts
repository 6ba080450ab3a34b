import { CompletionMessage, DomainError, ErrorCode } from '@conduit/contracts';
import { estimatePromptTokens, estimateTokens } from './token-accounting';

/**
 * Keeps the system prompt and as many of the newest messages as fit in the model's context window,
 * leaving room for the answer. The newest message must fit, or the request cannot be served.
 */
export function fitToContextWindow(
  messages: readonly CompletionMessage[],
  contextWindow: number,
  reservedForAnswer: number,
): CompletionMessage[] {
  const system = messages.filter((m) => m.role === 'system');
  const conversation = messages.filter((m) => m.role !== 'system');
  let budget =
    contextWindow - Math.min(reservedForAnswer, Math.floor(contextWindow / 2)) - estimatePromptTokens(system);
  const kept: CompletionMessage[] = [];
  for (let i = conversation.length - 1; i >= 0; i--) {
    const message = conversation[i] as CompletionMessage;
    const cost = estimatePromptTokens([message]);
    if (cost > budget) break;
    kept.push(message);
    budget -= cost;
  }
  const newest = conversation.at(-1);
  if (newest && kept.length === 0) {
    throw new DomainError(ErrorCode.ContextLengthExceeded, 'The message is longer than the model can read', {
      estimatedTokens: estimateTokens(newest.content),
      contextWindow,
    });
  }
  return [...system, ...kept.reverse()];
}
