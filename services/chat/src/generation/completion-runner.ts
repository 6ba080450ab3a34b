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
import { ProviderError } from '../providers/provider-error';
import { ProviderUsage } from '../providers/text-generation.provider';
import { ResolvedModel } from '../catalog/model-catalog';
import { costOf, usageFrom } from './token-accounting';

export type CompletionStreamWriter = StreamWriter<typeof ChatContract.completionStream>;

export interface CompletionTimeouts {
  /** Longest wait for the first chunk. */
  firstChunkMs: number;
  /** Longest silence between chunks once the answer flows. */
  stallMs: number;
}

export interface CompletionOutcome {
  status: 'complete' | 'cancelled' | 'failed' | 'interrupted';
  text: string;
  usage: TokenUsage;
  costUsd: number;
  finishReason: FinishReason;
  error: ErrorBody | null;
}

type AbortCause = 'cancelled' | 'stalled' | 'shutdown';

/**
 * Runs one generation against a provider, relaying text as `delta` events. It leaves the terminal
 * event to its caller, which persists the outcome first so a client that sees `done` finds it saved.
 */
@Injectable()
export class CompletionRunner {
  async run(input: {
    model: ResolvedModel;
    messages: CompletionMessage[];
    params: GenerationParams;
    writer: CompletionStreamWriter;
    timeouts: CompletionTimeouts;
    onText?: (textSoFar: string) => void;
  }): Promise<CompletionOutcome> {
    const { model, messages, writer } = input;
    const controller = new AbortController();
    let cause: AbortCause | null = null;
    const abort = (why: AbortCause) => {
      cause ??= why;
      controller.abort(why);
    };
    const onWriterAbort = () => abort(writer.signal.reason === 'shutdown' ? 'shutdown' : 'cancelled');
    writer.signal.addEventListener('abort', onWriterAbort, { once: true });
    if (writer.signal.aborted) onWriterAbort();

    let text = '';
    let reported: ProviderUsage | null = null;
    let finishReason: FinishReason = 'stop';
    let lastChunkAt = Date.now();
    let receivedAny = false;
    const watchdog = setInterval(
      () => {
        const limit = receivedAny ? input.timeouts.stallMs : input.timeouts.firstChunkMs;
        if (Date.now() - lastChunkAt > limit) abort('stalled');
      },
      Math.max(25, Math.min(1_000, Math.floor(input.timeouts.stallMs / 4))),
    );

    let error: ErrorBody | null = null;
    try {
      const chunks = model.provider.stream({
        model: model.providerModel,
        messages,
        params: { ...input.params, maxTokens: input.params.maxTokens ?? model.info.maxOutputTokens },
        signal: controller.signal,
      });
      for await (const chunk of chunks) {
        lastChunkAt = Date.now();
        receivedAny = true;
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
      if (cause === 'stalled') error = stallError(model, input.timeouts, receivedAny);
    } catch (thrown) {
      error =
        cause === 'stalled'
          ? stallError(model, input.timeouts, receivedAny)
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
      text,
      usage,
      costUsd: costOf(usage, model.info.pricing),
      finishReason: cause === 'cancelled' ? 'cancelled' : finishReason,
      error:
        error ??
        (cause === 'shutdown'
          ? { code: ErrorCode.StreamLost, message: 'The chat service shut down mid-answer' }
          : null),
    };
  }
}

function stallError(model: ResolvedModel, timeouts: CompletionTimeouts, receivedAny: boolean): ErrorBody {
  const ms = receivedAny ? timeouts.stallMs : timeouts.firstChunkMs;
  return new ProviderError(
    'timeout',
    model.info.provider,
    receivedAny ? `The provider stopped sending for ${ms} ms` : `The provider sent nothing for ${ms} ms`,
  ).toBody();
}

function toErrorBody(thrown: unknown): ErrorBody {
  if (isDomainError(thrown)) return thrown.toBody();
  return {
    code: ErrorCode.ProviderBadResponse,
    message:
      thrown instanceof Error ? `The provider call failed: ${thrown.message}` : 'The provider call failed',
  };
}
