import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { StreamDef } from '@conduit/contracts';
import { REDIS, withTimeout } from '@conduit/service-kit';
import { FailOpenReporter, REDIS_TIMEOUT_MS } from '../rate-limits/fail-open';
import { RateLimitPolicy } from '../rate-limits/rate-limit-policy.service';
import type { RateLimitSubject } from '../rate-limits/rate-limit-subject';
import { tooManyStreams } from '../rate-limits/rate-limited.error';
import type { RequestCountListener } from '../rate-limits/request-count';
import { refusal } from '../rate-limits/request-rate-limiter.service';
import { decide } from '../rate-limits/request-window';
import {
  NO_LEASE,
  StreamConcurrencyLimiter,
  type StreamLease,
} from '../rate-limits/stream-concurrency-limiter.service';
import {
  admissionCall,
  parseAdmissionReply,
  STREAM_ADMISSION_SCRIPT,
  type AdmissionObservation,
} from './stream-admission.script';
import { serializeOwner, StreamOwnership } from './stream-ownership';

/**
 * Lets a new stream start: counts the request that starts it against the per-minute limit, takes the
 * stream's concurrent-stream slot and records its owner, in one Redis script call. Fails open like
 * the limiters it stands for (see {@link FailOpenReporter}): without Redis the stream runs uncounted,
 * and with its owner unrecorded cannot be resumed.
 */
@Injectable()
export class StreamAdmission {
  private readonly failOpen = new FailOpenReporter(
    new Logger(StreamAdmission.name),
    'request rate and concurrent stream limits',
  );

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly policy: RateLimitPolicy,
    private readonly leases: StreamConcurrencyLimiter,
    private readonly ownership: StreamOwnership,
  ) {}

  /**
   * Admits a new stream of `stream`'s kind. Returns its slot, to release when it ends; throws RATE_LIMITED (429 with Retry-After)
   * when the request is over its limit, or, counted, finds no slot free. `requestCount` hears how the
   * request was counted before any refusal is thrown.
   */
  async admit(
    subject: RateLimitSubject,
    streamId: string,
    stream: StreamDef,
    requestCount?: RequestCountListener,
  ): Promise<StreamLease> {
    const userId = subject.userId;
    const limits = await this.policy.limitsFor(subject);
    if (!userId || !limits) {
      requestCount?.counted(null);
      return NO_LEASE;
    }
    const { requests, streams } = limits;
    const windowMs = this.policy.requestWindowMs;
    const { keys, args } = admissionCall({
      streamId,
      owner: serializeOwner({ userId, stream: stream.name }),
      ownerTtlMs: this.ownership.ttlMs,
      requests,
      windowMs,
      leaseTtlMs: this.leases.ttlMs,
      streams,
    });
    let observed: AdmissionObservation;
    try {
      observed = parseAdmissionReply(
        await withTimeout(
          STREAM_ADMISSION_SCRIPT.run(this.redis, keys, args),
          REDIS_TIMEOUT_MS,
          'the stream admission',
        ),
      );
    } catch (error) {
      // Had the script run after all, its lease simply expires: nothing here renews it.
      this.failOpen.report(error);
      requestCount?.counted(null);
      return NO_LEASE;
    }
    const decision = requests ? decide(observed.requests, requests.limit, windowMs, requests.scope) : null;
    requestCount?.counted(decision);
    if (decision && !decision.allowed) throw refusal(decision);
    const refusedBy = streams[observed.fullSet - 1];
    if (refusedBy) throw tooManyStreams(refusedBy.scope, refusedBy.limit);
    return this.leases.hold(
      streamId,
      streams.map((s) => s.key),
    );
  }
}
