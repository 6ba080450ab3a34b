import { Injectable } from '@nestjs/common';
import type { BudgetLimit, CompletionMessage, GenerationParams } from '@conduit/contracts';
import { Metering, type MeteredUsage } from '@conduit/metering';
import type { ResolvedModel } from '../catalog/model-catalog';
import { billableUsageOf, usageEstimatesOf } from './completion-cost';
import type { CompletionOutcome } from './completion-runner';
import { ModelRouter } from './routing/model-router';

export interface CompletionAdmissionRequest {
  userId: string;
  apiKeyId: string | null;
  model: ResolvedModel;
  /** The prompt as it will be sent. */
  messages: readonly CompletionMessage[];
  params: GenerationParams;
}

export interface CompletedCall {
  streamId: string;
  /** The assistant message of a session completion; null for stateless ones. */
  messageId: string | null;
  outcome: CompletionOutcome;
}

/** A completion let through its budgets; `record` or `release` ends its hold, neither throws. */
export interface CompletionAdmission {
  record(call: CompletedCall): Promise<void>;
  release(): void;
}

/**
 * Chat's side of metering: a completion's worst case (its prompt and full max output, at the dearest
 * price of the models that may answer) is what the caller's budgets must hold, and what it was charged
 * is its usage record, keyed by its stream id.
 */
@Injectable()
export class CompletionMetering {
  constructor(
    private readonly metering: Metering,
    private readonly router: ModelRouter,
  ) {}

  /** The budgets that apply to a caller; independent of the request, so callers may look them up early. */
  budgetsFor(userId: string, apiKeyId: string | null): Promise<BudgetLimit[]> {
    return this.metering.budgetsFor({ userId, apiKeyId });
  }

  async admit(
    request: CompletionAdmissionRequest,
    budgets?: Promise<BudgetLimit[]>,
  ): Promise<CompletionAdmission> {
    const admission = await this.metering.admit(
      { userId: request.userId, apiKeyId: request.apiKeyId },
      usageEstimatesOf(this.router.candidates(request.model), request.messages, request.params),
      budgets,
    );
    return {
      record: (call) => admission.record(usageRecordOf(call)),
      release: () => admission.release(),
    };
  }
}

function usageRecordOf({ streamId, messageId, outcome }: CompletedCall): MeteredUsage {
  const { usage, costUsd } = billableUsageOf(outcome);
  return {
    recordId: streamId,
    model: outcome.model.info.id,
    status: outcome.status,
    quantities: {
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cachedTokens: usage.cachedTokens,
    },
    estimated: usage.estimated,
    costUsd,
    reference: messageId,
  };
}
