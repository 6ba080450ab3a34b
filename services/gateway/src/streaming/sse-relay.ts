import type { FastifyReply } from 'fastify';
import type { StreamReader } from '@conduit/bus';
import {
  type CallerContext,
  DomainError,
  ErrorCode,
  type RequestDef,
  type StreamDef,
} from '@conduit/contracts';
import type { RequestCountListener } from '../rate-limits/request-count';
import { SseResponse } from './sse-response';
import type { StreamEndpoint } from './stream-endpoint';
import type { StartPayloadOf, StreamRelay } from './stream-relay.service';

/** SSE event ids are `<streamId>:<seq>`, which is what a reconnecting client sends back as Last-Event-ID. */
export const sseEventId = (streamId: string, seq: number) => `${streamId}:${seq}`;

/**
 * Relays a stream as SSE until it ends or the client leaves (the producer itself goes on): each event
 * as its JSON, named by its type, with an id to resume from.
 */
export async function relayAsSse<S extends StreamDef>(
  stream: StreamReader<S>,
  sse: SseResponse,
): Promise<void> {
  sse.onClose(() => stream.close());
  for await (const event of stream) {
    sse.event(JSON.stringify(event), { id: sseEventId(stream.streamId, event.seq), event: event.type });
  }
  sse.end();
}

/** Answers `reply` with `stream` as SSE; `x-stream-id` names it, for resuming and cancelling. */
export function sendAsSse<S extends StreamDef>(
  reply: FastifyReply,
  stream: StreamReader<S>,
  headers: Record<string, string> = {},
): Promise<void> {
  return relayAsSse(stream, new SseResponse(reply, { 'x-stream-id': stream.streamId, ...headers }));
}

/** Starts a stream of `endpoint` for the caller and answers `reply` with it as SSE: a `@RelaysStream` route. */
export async function startAsSse<D extends RequestDef, S extends StreamDef>(
  relay: StreamRelay,
  reply: FastifyReply,
  start: {
    caller: CallerContext;
    endpoint: StreamEndpoint<D, S>;
    request: StartPayloadOf<D>;
    requestCount: RequestCountListener;
  },
): Promise<void> {
  const { stream } = await relay.start(start.caller, start.endpoint, start.request, start.requestCount);
  await sendAsSse(reply, stream);
}

/** The last seq the client has: from an SSE `Last-Event-ID` (`<streamId>:<seq>`), else `?after`, else none. */
export function resumePoint(
  streamId: string,
  lastEventId: string | string[] | undefined,
  after: number | undefined,
): number {
  if (typeof lastEventId === 'string' && lastEventId.length > 0) {
    const [id, seq] = lastEventId.split(':');
    if (id !== streamId || !/^\d+$/.test(seq ?? '')) {
      throw new DomainError(ErrorCode.ValidationFailed, 'Last-Event-ID must be an event id of this stream', {
        fields: [{ path: 'last-event-id', message: 'expected <streamId>:<seq>' }],
      });
    }
    return Number(seq);
  }
  return after ?? -1;
}

/** Answers `reply` with the rest of a stream its owner lost: the events after the resume point, then the live rest. */
export async function resumeAsSse(
  relay: StreamRelay,
  caller: CallerContext,
  reply: FastifyReply,
  resume: { streamId: string; lastEventId: string | string[] | undefined; after: number | undefined },
): Promise<void> {
  const afterSeq = resumePoint(resume.streamId, resume.lastEventId, resume.after);
  await sendAsSse(reply, await relay.resume(caller, resume.streamId, afterSeq));
}
