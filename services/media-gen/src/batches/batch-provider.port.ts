import {
  ErrorCode,
  type ErrorBody,
  type FinishReason,
  type OpenAiChatRequest,
  type TokenUsage,
} from '@conduit/contracts';

/** One request handed to a provider's batch API: the provider's own model name, our line's id. */
export interface ProviderBatchRequest {
  /** `line-<n>`: fits every provider's custom_id rules and names the line it answers. */
  customId: string;
  /** The model as the provider names it (`gpt-4o-mini`, not `openai/gpt-4o-mini`). */
  providerModel: string;
  body: OpenAiChatRequest;
}

export type ProviderBatchResult =
  | {
      customId: string;
      type: 'succeeded';
      content: string;
      finishReason: FinishReason;
      usage: TokenUsage;
    }
  | { customId: string; type: 'failed'; error: ErrorBody };

/**
 * A provider's own batch API (OpenAI's Batch API, Anthropic's Message Batches): requests submitted
 * once, polled until the provider ends the batch, results read back. Providers bill these at a discount.
 */
export interface ProviderBatchApi {
  readonly provider: string;
  /** Submits the requests as one provider batch and returns its id. */
  submit(requests: readonly ProviderBatchRequest[], reference: string): Promise<string>;
  /** Whether the provider has ended the batch (its results can be read). */
  hasEnded(providerBatchId: string): Promise<boolean>;
  results(providerBatchId: string): AsyncIterable<ProviderBatchResult>;
  cancel(providerBatchId: string): Promise<void>;
}

/** A refusal by the provider that no retry fixes (a bad key, a request it will not take). */
export class ProviderBatchRefused extends Error {
  constructor(readonly error: ErrorBody) {
    super(error.message);
    this.name = 'ProviderBatchRefused';
  }
}

/** The error code a provider's HTTP status stands for, in the platform's terms. */
export function codeOfStatus(status: number | undefined): ErrorBody['code'] {
  if (status === undefined) return ErrorCode.ProviderUnavailable;
  if (status === 401 || status === 403) return ErrorCode.ProviderAuthFailed;
  if (status === 404) return ErrorCode.UnknownModel;
  if (status === 429) return ErrorCode.ProviderRateLimited;
  if (status >= 500) return ErrorCode.ProviderUnavailable;
  if (status === 400 || status === 422) return ErrorCode.ValidationFailed;
  return ErrorCode.ProviderBadResponse;
}

/**
 * Runs an SDK call: a 4xx answer other than 429 (both SDKs' errors carry `status`) becomes a
 * {@link ProviderBatchRefused}; anything else is thrown as it is, for the batch to be tried again later.
 */
export async function refusingClientErrors<T>(provider: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (error instanceof Error && typeof status === 'number' && status < 500 && status !== 429)
      throw new ProviderBatchRefused({
        code: codeOfStatus(status),
        message: `${provider}: ${error.message}`,
      });
    throw error;
  }
}
