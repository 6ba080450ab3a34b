import { Inject, Injectable } from '@nestjs/common';
import { CompletionMessage, GenerationParams } from '@conduit/contracts';
import { ModelCatalog, ResolvedModel } from '../../catalog/model-catalog';
import { ProviderError } from '@conduit/provider-errors';
import { GenerationChunk } from '../../providers/text-generation.provider';
import { DeploymentHealth } from './deployment-health';
import { decideAfterFailure } from './failure-decision';
import { ModelPolicies } from './model-policy';

export const MODEL_POLICIES = Symbol('model-policies');

export interface AttemptRecord {
  model: string;
  outcome: 'success' | 'failed' | 'cancelled';
  errorCode: string | null;
  durationMs: number;
  startedAt: Date;
}

export interface RoutedRequest {
  messages: CompletionMessage[];
  params: GenerationParams;
  signal: AbortSignal;
  /** Longest wait for an attempt's first chunk before it counts as a timeout. */
  firstChunkTimeoutMs: number;
  /** Filled in as attempts end, so the caller can store them whatever happens. */
  attempts: AttemptRecord[];
  /** Told which model is answering, once its first text arrives. */
  onServing: (model: ResolvedModel) => void;
}

/**
 * The one retry loop: tries a model, retries it and then its fallbacks according to its policy and the
 * kind of failure, skipping models that are cooling down. Once text has reached the caller nothing is
 * retried or replayed: the failure is thrown as it is.
 */
@Injectable()
export class ModelRouter {
  constructor(
    private readonly catalog: ModelCatalog,
    @Inject(MODEL_POLICIES) private readonly policies: ModelPolicies,
    private readonly health: DeploymentHealth,
  ) {}

  /** The model, then its configured fallbacks that exist and are available here. */
  candidates(primary: ResolvedModel): ResolvedModel[] {
    const fallbacks = this.policies
      .for(primary.info.id)
      .fallbacks.map((id) => this.catalog.find(id))
      .filter((info) => info?.available)
      .map((info) => this.catalog.resolve(info!.id));
    return [primary, ...fallbacks];
  }

  async *stream(primary: ResolvedModel, request: RoutedRequest): AsyncGenerator<GenerationChunk> {
    const candidates = this.candidates(primary);
    let lastFailure: ProviderError | null = null;
    let needsContextAbove = 0;
    for (const [index, model] of candidates.entries()) {
      if (model.info.contextWindow <= needsContextAbove) continue;
      const isLastResort = index === candidates.length - 1 && lastFailure === null;
      if (!this.health.tryAcquire(model.info.id) && !isLastResort) continue;
      const policy = this.policies.for(model.info.id);
      for (let retry = 0; ; retry++) {
        const outcome = yield* this.attempt(model, request);
        if (outcome === 'done') return;
        if (outcome.afterText) throw outcome.failure;
        const decision = decideAfterFailure(
          outcome.failure.kind,
          outcome.failure.retryAfterMs,
          policy.maxRetries - retry,
          this.policies.defaults,
          retry,
        );
        if (decision.action === 'retry') {
          await pause(decision.delayMs, request.signal);
          continue;
        }
        if (decision.action === 'fail') throw outcome.failure;
        lastFailure = outcome.failure;
        if (outcome.failure.kind === 'context_length') needsContextAbove = model.info.contextWindow;
        break;
      }
    }
    throw (
      lastFailure ??
      new ProviderError(
        'unavailable',
        primary.info.provider,
        'Every model for this request is cooling down after failures',
      )
    );
  }

  /** One call to one model; yields its chunks and reports how it ended. */
  private async *attempt(
    model: ResolvedModel,
    request: RoutedRequest,
  ): AsyncGenerator<GenerationChunk, 'done' | { failure: ProviderError; afterText: boolean }> {
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(request.signal.reason);
    request.signal.addEventListener('abort', forwardAbort, { once: true });
    // The reason is a ProviderError so that everything downstream (metrics, the decision) sees a timeout.
    const firstChunkTimer = setTimeout(() => {
      const message = `The provider sent nothing for ${request.firstChunkTimeoutMs} ms`;
      controller.abort(new ProviderError('timeout', model.info.provider, message));
    }, request.firstChunkTimeoutMs);
    const startedAt = new Date();
    const record = (outcome: AttemptRecord['outcome'], errorCode: string | null) =>
      request.attempts.push({
        model: model.info.id,
        outcome,
        errorCode,
        durationMs: Date.now() - startedAt.getTime(),
        startedAt,
      });
    let sentText = false;
    try {
      const maxTokens = Math.min(
        request.params.maxTokens ?? model.info.maxOutputTokens,
        model.info.maxOutputTokens,
      );
      const chunks = model.provider.stream({
        model: model.providerModel,
        messages: request.messages,
        params: { ...request.params, maxTokens },
        signal: controller.signal,
      });
      for await (const chunk of chunks) {
        clearTimeout(firstChunkTimer);
        if (chunk.type === 'text' && chunk.text.length > 0 && !sentText) {
          sentText = true;
          request.onServing(model);
        }
        yield chunk;
      }
      record('success', null);
      this.health.recordSuccess(model.info.id);
      return 'done';
    } catch (error) {
      if (request.signal.aborted) {
        // A stall after the first token is the provider failing; a cancel or shutdown is not.
        const reason: unknown = request.signal.reason;
        if (reason instanceof ProviderError) {
          record('failed', reason.code);
          this.health.recordFailure(model.info.id, reason.kind);
        } else {
          record('cancelled', null);
          this.health.release(model.info.id);
        }
        throw error;
      }
      const failure = asProviderFailure(error, model, controller.signal);
      record('failed', failure.code);
      this.health.recordFailure(model.info.id, failure.kind);
      return { failure, afterText: sentText };
    } finally {
      clearTimeout(firstChunkTimer);
      request.signal.removeEventListener('abort', forwardAbort);
    }
  }
}

function asProviderFailure(error: unknown, model: ResolvedModel, signal: AbortSignal): ProviderError {
  if (signal.aborted && signal.reason instanceof ProviderError) return signal.reason;
  if (error instanceof ProviderError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ProviderError('bad_response', model.info.provider, `The provider call failed: ${detail}`);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
