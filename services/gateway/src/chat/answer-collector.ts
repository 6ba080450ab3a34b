import {
  ChatContract,
  DomainError,
  ErrorBody,
  ErrorCode,
  ResponseOf,
  SendMessageResponse,
} from '@conduit/contracts';
import type { CompletionStream } from './chat-stream-endpoints';

/** Waits for a session answer to finish and returns it whole; a stream error becomes the thrown error. */
export async function collectAnswer(
  stream: CompletionStream,
  ack: ResponseOf<typeof ChatContract.startCompletion>,
): Promise<SendMessageResponse> {
  let content = '';
  for await (const event of stream) {
    switch (event.type) {
      case 'delta':
        content += event.text;
        break;
      case 'usage':
      case 'step.started':
      case 'tool.call':
      case 'tool.result':
      case 'step.finished':
        break; // an agent's steps are on the stream for those following it live
      case 'error':
        throw DomainError.fromBody(event.error as ErrorBody);
      case 'done':
        return {
          ...ack,
          content,
          finishReason: event.finishReason,
          usage: event.usage,
          costUsd: event.costUsd,
          ...(event.promptContext ? { promptContext: event.promptContext } : {}),
          ...(event.agentRun ? { agentRun: event.agentRun } : {}),
        };
    }
  }
  throw new DomainError(ErrorCode.StreamLost, 'The answer ended without a result');
}
