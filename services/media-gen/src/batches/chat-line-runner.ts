import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Bus } from '@conduit/bus';
import {
  ChatContract,
  ErrorCode,
  isDomainError,
  toCompletionMessages,
  toGenerationParams,
  type CallerContext,
  type ErrorBody,
  type OpenAiChatRequest,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import type { RequestOutcome } from './batch.repository';
import { completionResponse, errorResponse } from './batch-responses';

/** Faults a later try may not meet: the line is tried again before it is written off. */
const PASSING_FAULTS: ReadonlySet<string> = new Set([
  ErrorCode.ProviderRateLimited,
  ErrorCode.ProviderUnavailable,
  ErrorCode.ProviderTimeout,
  ErrorCode.StreamLost,
  ErrorCode.Timeout,
  ErrorCode.ServiceUnavailable,
  ErrorCode.RateLimited,
]);

/** What one try of a line gave: an outcome to store, or a passing fault to try again after. */
export type LineTry = { outcome: RequestOutcome } | { passingFault: ErrorBody };

/**
 * Runs one batch line as a completion of the chat service over NATS, as the OpenAI-compatible endpoint
 * does (subscribed to the answer's stream before it starts), and turns the answer into the line's
 * output. The chat service meters it at the model's list price, as any completion.
 */
@Injectable()
export class ChatLineRunner {
  constructor(
    private readonly bus: Bus,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  /** `signal` stops it (the answer is cancelled and the line left unfinished: the signal's reason is thrown). */
  async run(owner: CallerContext, body: OpenAiChatRequest, signal: AbortSignal): Promise<LineTry> {
    signal.throwIfAborted();
    const streamId = randomUUID();
    const requestId = streamId.replace(/-/g, '');
    const events = this.bus.openStream(ChatContract.completionStream, streamId, {
      idleTimeoutMs: this.config.MEDIA_BATCH_LINE_IDLE_TIMEOUT_MS,
    });
    const onAbort = () => {
      events.close();
      this.bus.cancelStream(ChatContract.completionStream, streamId, owner).catch(() => undefined);
    };
    try {
      await this.bus.request(
        ChatContract.runCompletion,
        {
          streamId,
          model: body.model,
          messages: toCompletionMessages(body),
          params: toGenerationParams(body),
        },
        owner,
      );
    } catch (error) {
      events.close();
      if (!isDomainError(error)) throw error;
      return this.failed(requestId, { code: error.code, message: error.message });
    }
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const created = Math.floor(Date.now() / 1000);
      let content = '';
      for await (const event of events) {
        if (event.type === 'delta') content += event.text;
        else if (event.type === 'error') return this.failed(requestId, event.error as ErrorBody);
        else if (event.type === 'done') {
          const response = completionResponse(
            requestId,
            created,
            body.model,
            content,
            event.finishReason,
            event.usage,
          );
          return { outcome: { status: 'succeeded', response, error: null, costUsd: event.costUsd } };
        }
      }
      signal.throwIfAborted();
      return { passingFault: { code: ErrorCode.StreamLost, message: 'The answer ended without a result' } };
    } finally {
      signal.removeEventListener('abort', onAbort);
      events.close();
    }
  }

  private failed(requestId: string, error: ErrorBody): LineTry {
    if (PASSING_FAULTS.has(error.code)) return { passingFault: error };
    return {
      outcome: { status: 'failed', response: errorResponse(requestId, error), error: null, costUsd: null },
    };
  }
}

/** The outcome of a line whose passing fault outlasted its tries. */
export function givenUpOutcome(requestId: string, error: ErrorBody): RequestOutcome {
  return { status: 'failed', response: errorResponse(requestId, error), error: null, costUsd: null };
}
