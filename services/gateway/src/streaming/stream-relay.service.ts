import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Bus, StreamReader } from '@conduit/bus';
import {
  CallerContext,
  DomainError,
  ErrorCode,
  isDomainError,
  RequestDef,
  RequestOf,
  ResponseOf,
  StreamDef,
} from '@conduit/contracts';
import type { RequestCountListener } from '../rate-limits/request-count';
import { StreamConcurrencyLimiter } from '../rate-limits/stream-concurrency-limiter.service';
import { StreamAdmission } from './stream-admission.service';
import { StreamCatalog } from './stream-catalog';
import type { StreamEndpoint } from './stream-endpoint';
import { StreamOwnership } from './stream-ownership';

/** What starting a stream gives back: the producer's ack and the stream, subscribed before the start. */
export interface StartedStream<D extends RequestDef, S extends StreamDef> {
  ack: ResponseOf<D>;
  stream: StreamReader<S>;
}

/** A start request's payload without the `streamId`, which the gateway picks. */
export type StartPayloadOf<D extends RequestDef> = Omit<RequestOf<D>, 'streamId'>;

const UNKNOWN_STREAM = 'No stream with that id is kept (unknown, or expired)';

/**
 * Starts, resumes and cancels the streams of any contract, for every transport (SSE, `/ws`, `/v1`).
 * A stream is subscribed before the request that starts it goes out, so not one event can be missed;
 * if the request fails, the subscription is dropped and the error thrown. Every stream starts here, so
 * here it is admitted: the request that starts it counted, its concurrent-stream slot taken and its
 * owner recorded, in one Redis call (see {@link StreamAdmission}). The slot is given back when the
 * stream ends however it ends (terminal event, the client leaving, a failed start). `requestCount`
 * hears how the request was counted, for transports that show it (HTTP's RateLimit-* headers).
 */
@Injectable()
export class StreamRelay {
  constructor(
    private readonly bus: Bus,
    private readonly admission: StreamAdmission,
    private readonly concurrency: StreamConcurrencyLimiter,
    private readonly ownership: StreamOwnership,
    private readonly catalog: StreamCatalog,
  ) {}

  async start<D extends RequestDef, S extends StreamDef>(
    caller: CallerContext,
    endpoint: StreamEndpoint<D, S>,
    request: StartPayloadOf<D>,
    requestCount?: RequestCountListener,
  ): Promise<StartedStream<D, S>> {
    const streamId = randomUUID();
    const lease = await this.admission.admit(caller, streamId, endpoint.stream, requestCount);
    let stream: StreamReader<S>;
    try {
      stream = this.bus.openStream(endpoint.stream, streamId);
    } catch (error) {
      lease.release();
      throw error;
    }
    stream.onFinished(() => lease.release());
    try {
      // Producer silence counts from the ack: until then the request's own timeout applies, so a
      // replica that is slow to start a stream (under load) does not make it look lost.
      stream.suspendIdleCheck();
      const ack = await this.bus.request(endpoint.start, { ...request, streamId } as RequestOf<D>, caller);
      stream.markActive();
      return { ack, stream };
    } catch (error) {
      stream.close();
      throw error;
    }
  }

  /**
   * Picks a stream up again after `afterSeq`, for its owner only (anyone else gets NOT_FOUND, as if it
   * did not exist): first the events the client missed, in order, then the live rest.
   */
  async resume(caller: CallerContext, streamId: string, afterSeq: number): Promise<StreamReader<StreamDef>> {
    const def = await this.definitionOfOwned(caller, streamId);
    const lease = await this.concurrency.acquire(caller);
    try {
      const stream = await this.bus.resumeStream(def, streamId, afterSeq);
      stream.onFinished(() => lease.release());
      return stream;
    } catch (error) {
      lease.release();
      throw error;
    }
  }

  /**
   * Asks the replica producing the stream to stop. NOT_FOUND for a stream that is unknown or someone
   * else's, CONFLICT for one of the caller's that no longer runs.
   */
  async cancel(caller: CallerContext, streamId: string): Promise<void> {
    const def = await this.definitionOfOwned(caller, streamId);
    try {
      await this.bus.cancelStream(def, streamId, caller);
    } catch (error) {
      if (!this.producerIsGone(error)) throw error;
      throw new DomainError(ErrorCode.Conflict, 'The stream has already finished', { streamId });
    }
  }

  /** The definition of a stream of the caller's; NOT_FOUND for any other, as if it did not exist. */
  private async definitionOfOwned(caller: CallerContext, streamId: string): Promise<StreamDef> {
    const owner = await this.ownership.ownedBy(streamId, caller.userId);
    const def = owner && this.catalog.streamNamed(owner.stream);
    if (!def) throw new DomainError(ErrorCode.NotFound, UNKNOWN_STREAM);
    return def;
  }

  /** No producer answers a cancel once its stream ended (or it said it runs no such stream). */
  private producerIsGone(error: unknown): boolean {
    if (!isDomainError(error) || !this.bus.connected) return false;
    return error.code === ErrorCode.NotFound || error.code === ErrorCode.ServiceUnavailable;
  }
}
