import type { AgentRunRef, ErrorBody, FinishReason, PromptContext, TokenUsage } from '@conduit/contracts';
import type { CompletionOutcome, CompletionStreamWriter } from './completion-runner';

/** How an answer ended, whoever produced it (a model through the router, or an agent's run). */
export interface AnswerEnd {
  status: CompletionOutcome['status'];
  /** The model that answered. */
  modelId: string;
  text: string;
  usage: TokenUsage;
  costUsd: number;
  finishReason: FinishReason;
  error: ErrorBody | null;
  /** The agent run that gave the answer, in a session linked to an agent. */
  agentRun?: AgentRunRef;
}

export function answerEndOf(outcome: CompletionOutcome): AnswerEnd {
  return {
    status: outcome.status,
    modelId: outcome.model.info.id,
    text: outcome.text,
    usage: outcome.usage,
    costUsd: outcome.costUsd,
    finishReason: outcome.finishReason,
    error: outcome.error,
  };
}

/** Ends a stream with exactly one terminal event describing the outcome. */
export function emitOutcome(
  writer: CompletionStreamWriter,
  outcome: AnswerEnd,
  messageId: string | null,
  promptContext?: PromptContext,
): void {
  if (outcome.error) {
    writer.fail(outcome.error);
    return;
  }
  writer.emit({ type: 'usage', usage: outcome.usage });
  writer.emit({
    type: 'done',
    model: outcome.modelId,
    finishReason: outcome.finishReason,
    usage: outcome.usage,
    costUsd: outcome.costUsd,
    messageId,
    ...(promptContext ? { promptContext } : {}),
    ...(outcome.agentRun ? { agentRun: outcome.agentRun } : {}),
  });
}
