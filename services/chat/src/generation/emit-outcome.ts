import type { PromptContext } from '@conduit/contracts';
import type { CompletionOutcome, CompletionStreamWriter } from './completion-runner';

/** Ends a stream with exactly one terminal event describing the outcome. */
export function emitOutcome(
  writer: CompletionStreamWriter,
  outcome: CompletionOutcome,
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
    model: outcome.model.info.id,
    finishReason: outcome.finishReason,
    usage: outcome.usage,
    costUsd: outcome.costUsd,
    messageId,
    ...(promptContext ? { promptContext } : {}),
  });
}
