import { Injectable } from '@nestjs/common';
import {
  ChatContract,
  CompletionMessage,
  ErrorBody,
  ErrorCode,
  FinishReason,
  GenerationParams,
  isDomainError,
  TokenUsage,
} from '@conduit/contracts';
import { StreamWriter } from '@conduit/bus';
import type { ResolvedModel } from '../catalog/model-catalog';
import { ProviderError } from '@conduit/provider-errors';
import { ProviderUsage } from '../providers/text-generation.provider';
import { AttemptRecord, ModelRouter } from './routing/model-router';
import { costOf, usageFrom } from './token-accounting';

export type CompletionStreamWriter = StreamWriter<typeof ChatContract.completionStream>;

export interface CompletionTimeouts {
  /** Longest wait for an attempt's first chunk. */
  firstChunkMs: number;
  /** Longest silence between chunks once the answer flows. */
  stallMs: number;
}

export interface CompletionOutcome {
  status: 'complete' | 'cancelled' | 'failed' | 'interrupted';
  /** The model that answered (a fallback, possibly), or the one asked for when none did. */
  model: ResolvedModel;
  text: string;
  usage: TokenUsage;
  costUsd: number;
  finishReason: FinishReason;
  error: ErrorBody | null;
  attempts: AttemptRecord[];
}

type AbortCause = 'cancelled' | 'stalled' | 'shutdown';

/**
 * Runs one generation through the model router, relaying text as `delta` events. It leaves the terminal
 * event to its caller, which persists the outcome first so a client that sees `done` finds it saved.
 */
@Injectable()
export class CompletionRunner {
  constructor(private readonly router: ModelRouter) {}

  async run(input: {
    model: ResolvedModel;
    messages: CompletionMessage[];
    params: GenerationParams;
    writer: CompletionStreamWriter;
    timeouts: CompletionTimeouts;
    onText?: (textSoFar: string) => void;
  }): Promise<CompletionOutcome> {
    const { messages, writer } = input;
    const controller = new AbortController();
    let cause: AbortCause | null = null;
    let served = input.model;
    const abort = (why: AbortCause) => {
      cause ??= why;
      // A stall is the provider's failure: the reason says so to the router and the provider metrics.
      controller.abort(why === 'stalled' ? stallFailure(served, input.timeouts.stallMs) : why);
    };
    const onWriterAbort = () => abort(writer.signal.reason === 'shutdown' ? 'shutdown' : 'cancelled');
    writer.signal.addEventListener('abort', onWriterAbort, { once: true });
    if (writer.signal.aborted) onWriterAbort();

    let text = '';
    let reported: ProviderUsage | null = null;
    let finishReason: FinishReason = 'stop';
    let lastChunkAt = 0;
    const attempts: AttemptRecord[] = [];
    // Before the first chunk the router's per-attempt timeout applies; after it, this stall watchdog.
    const watchdog = setInterval(
      () => {
        if (lastChunkAt > 0 && Date.now() - lastChunkAt > input.timeouts.stallMs) abort('stalled');
      },
      Math.max(25, Math.min(1_000, Math.floor(input.timeouts.stallMs / 4))),
    );

    let error: ErrorBody | null = null;
    try {
      const chunks = this.router.stream(input.model, {
        messages,
        params: input.params,
        signal: controller.signal,
        firstChunkTimeoutMs: input.timeouts.firstChunkMs,
        attempts,
        onServing: (model) => (served = model),
      });
      for await (const chunk of chunks) {
        lastChunkAt = Date.now();
        if (cause) break;
        if (chunk.type === 'text') {
          if (chunk.text.length === 0) continue;
          text += chunk.text;
          writer.emit({ type: 'delta', text: chunk.text });
          input.onText?.(text);
        } else if (chunk.type === 'usage') {
          reported = chunk.usage;
        } else {
          finishReason = chunk.reason;
        }
      }
      if (cause === 'stalled') error = stallFailure(served, input.timeouts.stallMs).toBody();
    } catch (thrown) {
      error =
        cause === 'stalled'
          ? stallFailure(served, input.timeouts.stallMs).toBody()
          : cause
            ? null
            : toErrorBody(thrown);
    } finally {
      clearInterval(watchdog);
      writer.signal.removeEventListener('abort', onWriterAbort);
    }

    const usage = usageFrom(reported, messages, text);
    const status = error
      ? 'failed'
      : cause === 'cancelled'
        ? 'cancelled'
        : cause === 'shutdown'
          ? 'interrupted'
          : 'complete';
    return {
      status,
      model: served,
      text,
      usage,
      costUsd: costOf(usage, served.info.pricing),
      finishReason: cause === 'cancelled' ? 'cancelled' : finishReason,
      error:
        error ??
        (cause === 'shutdown'
          ? { code: ErrorCode.StreamLost, message: 'The chat service shut down mid-answer' }
          : null),
      attempts,
    };
  }
}

function stallFailure(model: ResolvedModel, stallMs: number): ProviderError {
  return new ProviderError('timeout', model.info.provider, `The provider stopped sending for ${stallMs} ms`);
}

function toErrorBody(thrown: unknown): ErrorBody {
  if (isDomainError(thrown)) return thrown.toBody();
  return {
    code: ErrorCode.ProviderBadResponse,
    message:
      thrown instanceof Error ? `The provider call failed: ${thrown.message}` : 'The provider call failed',
  };
}
