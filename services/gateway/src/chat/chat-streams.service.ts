import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Bus, StreamReader } from '@conduit/bus';
import {
  CallerContext,
  ChatContract,
  DomainError,
  ErrorCode,
  RequestOf,
  ResponseOf,
} from '@conduit/contracts';
import type { RequestCountListener } from '../rate-limits/request-count';
import { StreamConcurrencyLimiter } from '../rate-limits/stream-concurrency-limiter.service';
import { StreamAdmission } from './stream-admission.service';
import { StreamOwnership } from './stream-ownership';

export type CompletionStream = StreamReader<typeof ChatContract.completionStream>;

/** The requests that add a turn to a session: a new message, another answer, an edit. */
export type SessionTurnDef =
  typeof ChatContract.startCompletion | typeof ChatContract.regenerate | typeof ChatContract.editMessage;

/**
 * Starts completions on the chat service. The stream is subscribed before the request goes out, so
 * not one event can be missed; if the request fails, the subscription is dropped and the error thrown.
 * Every stream (SSE, WebSocket, /v1) starts here, so here it is admitted: the request that starts it
 * counted, its concurrent-stream slot taken and its owner recorded, in one Redis call (see
 * {@link StreamAdmission}). The slot is given back when the stream ends however it ends (terminal
 * event, the client leaving, a failed start). `requestCount` hears how the request was counted, for
 * transports that show it (HTTP's RateLimit-* headers).
 */
@Injectable()
export class ChatStreamsService {
  constructor(
    private readonly bus: Bus,
    private readonly admission: StreamAdmission,
    private readonly concurrency: StreamConcurrencyLimiter,
    private readonly ownership: StreamOwnership,
  ) {}

  /**
   * Picks a stream up again after `afterSeq`, for its owner only (anyone else gets NOT_FOUND, as if it
   * did not exist): first the events the client missed, in order, then the live rest.
   */
  async resume(caller: CallerContext, streamId: string, afterSeq: number): Promise<CompletionStream> {
    if (!caller.userId || !(await this.ownership.isOwner(streamId, caller.userId))) {
      throw new DomainError(ErrorCode.NotFound, 'No stream with that id is kept (unknown, or expired)');
    }
    const lease = await this.concurrency.acquire(caller);
    try {
      const stream = await this.bus.resumeStream(ChatContract.completionStream, streamId, afterSeq);
      stream.onFinished(() => lease.release());
      return stream;
    } catch (error) {
      lease.release();
      throw error;
    }
  }

  startInSession(
    caller: CallerContext,
    request: Omit<RequestOf<typeof ChatContract.startCompletion>, 'streamId'>,
  ): Promise<{ ack: ResponseOf<typeof ChatContract.startCompletion>; stream: CompletionStream }> {
    return this.start(caller, ChatContract.startCompletion, request);
  }

  startSessionTurn<D extends SessionTurnDef>(
    caller: CallerContext,
    def: D,
    request: Omit<RequestOf<D>, 'streamId'>,
    requestCount?: RequestCountListener,
  ): Promise<{ ack: ResponseOf<D>; stream: CompletionStream }> {
    return this.start(caller, def, request, requestCount);
  }

  startStateless(
    caller: CallerContext,
    request: Omit<RequestOf<typeof ChatContract.runCompletion>, 'streamId'>,
    requestCount?: RequestCountListener,
  ): Promise<{ ack: ResponseOf<typeof ChatContract.runCompletion>; stream: CompletionStream }> {
    return this.start(caller, ChatContract.runCompletion, request, requestCount);
  }

  cancel(caller: CallerContext, streamId: string): Promise<void> {
    return this.bus.cancelStream(ChatContract.completionStream, streamId, caller);
  }

  private async start<D extends SessionTurnDef | typeof ChatContract.runCompletion>(
    caller: CallerContext,
    def: D,
    request: Omit<RequestOf<D>, 'streamId'>,
    requestCount?: RequestCountListener,
  ): Promise<{ ack: ResponseOf<D>; stream: CompletionStream }> {
    const streamId = randomUUID();
    const lease = await this.admission.admit(caller, streamId, requestCount);
    let stream: CompletionStream;
    try {
      stream = this.bus.openStream(ChatContract.completionStream, streamId);
    } catch (error) {
      lease.release();
      throw error;
    }
    stream.onFinished(() => lease.release());
    try {
      // Producer silence counts from the ack: until then the request's own timeout applies, so a
      // replica that is slow to start a stream (under load) does not make it look lost.
      stream.lastActivityAt = Number.POSITIVE_INFINITY;
      const ack = await this.bus.request(def, { ...request, streamId } as RequestOf<D>, caller);
      stream.lastActivityAt = Date.now();
      return { ack, stream };
    } catch (error) {
      stream.close();
      throw error;
    }
  }
}
