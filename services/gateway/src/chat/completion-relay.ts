import {
  ChatContract,
  DomainError,
  ErrorBody,
  ErrorCode,
  ResponseOf,
  SendMessageResponse,
} from '@conduit/contracts';
import type { CompletionStream } from './chat-streams.service';
import { SseResponse } from './sse-response';

/** SSE event ids are `<streamId>:<seq>`, which is what a reconnecting client sends back as Last-Event-ID. */
export const sseEventId = (streamId: string, seq: number) => `${streamId}:${seq}`;

/** Relays a completion stream as SSE until it ends or the client leaves (the generation itself goes on). */
export async function relayAsSse(stream: CompletionStream, sse: SseResponse): Promise<void> {
  sse.onClose(() => stream.close());
  for await (const event of stream) {
    sse.event(JSON.stringify(event), { id: sseEventId(stream.streamId, event.seq), event: event.type });
  }
  sse.end();
}

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
        break;
      case 'error':
        throw DomainError.fromBody(event.error as ErrorBody);
      case 'done':
        return {
          ...ack,
          content,
          finishReason: event.finishReason,
          usage: event.usage,
          costUsd: event.costUsd,
        };
    }
  }
  throw new DomainError(ErrorCode.StreamLost, 'The answer ended without a result');
}
