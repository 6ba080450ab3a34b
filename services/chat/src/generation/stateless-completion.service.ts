import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { CallerContext, ChatContract, ParsedRequestOf, ResponseOf } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import { ModelCatalog } from '../catalog/model-catalog';
import type { ChatConfig } from '../config';
import { CompletionRunner } from './completion-runner';
import { ContextWindowFitter } from './context-window';
import { answerEndOf, emitOutcome } from './emit-outcome';
import { InFlightGenerations } from './in-flight-generations';
import { AttemptRepository } from './routing/attempt.repository';
import { CompletionMetering } from './completion-metering';

type RunRequest = ParsedRequestOf<typeof ChatContract.runCompletion>;

/** A completion over messages the caller supplies (the OpenAI-compatible surface); nothing is stored. */
@Injectable()
export class StatelessCompletionService {
  constructor(
    private readonly bus: Bus,
    private readonly catalog: ModelCatalog,
    private readonly runner: CompletionRunner,
    private readonly inFlight: InFlightGenerations,
    private readonly attempts: AttemptRepository,
    private readonly usage: CompletionMetering,
    private readonly fitter: ContextWindowFitter,
    @InjectConfig() private readonly config: ChatConfig,
  ) {}

  async start(
    request: RunRequest,
    caller: CallerContext,
  ): Promise<ResponseOf<typeof ChatContract.runCompletion>> {
    const model = this.catalog.resolve(request.model);
    // The prompt's token count is not reported on this surface: it is only counted when it may not fit.
    const messages = this.fitter.fitMessages(
      request.messages,
      model.info.contextWindow,
      request.params.maxTokens ?? model.info.maxOutputTokens,
    );
    const admission = await this.usage.admit({
      userId: caller.userId ?? '',
      apiKeyId: caller.apiKeyId ?? null,
      model,
      messages,
      params: request.params,
    });
    const writer = this.bus.createStreamWriter(ChatContract.completionStream, request.streamId, caller);
    // Inside the stream's span: the provider call is part of the stream's trace.
    const generation = writer.run(() =>
      this.runner
        .run({
          model,
          messages,
          params: request.params,
          writer,
          timeouts: {
            firstChunkMs: this.config.PROVIDER_TIMEOUT_MS,
            stallMs: this.config.PROVIDER_STALL_TIMEOUT_MS,
          },
        })
        .then(async (outcome) => {
          await Promise.all([
            this.attempts.record(
              { streamId: writer.streamId, messageId: null, userId: caller.userId ?? '' },
              outcome.attempts,
            ),
            admission.record({ streamId: writer.streamId, messageId: null, outcome }),
          ]);
          emitOutcome(writer, answerEndOf(outcome), null);
        }),
    );
    this.inFlight.track(
      writer,
      generation.finally(() => admission.release()),
    );
    return { streamId: request.streamId, model: model.info.id };
  }
}
