import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { DomainError, ErrorCode } from '@conduit/contracts';
import { openAIClient } from '@conduit/provider-clients';
import type { Embedder, EmbeddingBatch, EmbeddingPurpose, EmbeddingSpace } from './embedder.port';
import { planEmbeddingBatches, type EmbeddingBatchLimits } from './embedding-batches';

export interface OpenAiEmbedderOptions {
  /** The provider's model name, e.g. `text-embedding-3-small`. */
  readonly model: string;
  /** Output size; sent as `dimensions` when set (text-embedding-3 models can shorten their vectors). */
  readonly dimensions: number;
  /** True when the model accepts `dimensions` (the text-embedding-3 family); false sends none. */
  readonly sendDimensions: boolean;
  readonly apiKey?: string;
  /** Any server speaking the OpenAI embeddings API (Ollama, vLLM, ...). */
  readonly baseURL?: string;
  readonly timeoutMs?: number;
  /** Retries of a failed request (429 and 5xx, honouring Retry-After), done by the SDK. */
  readonly maxRetries?: number;
  readonly batch?: Partial<EmbeddingBatchLimits>;
}

export const DEFAULT_OPENAI_EMBEDDING_BATCH: EmbeddingBatchLimits = {
  maxInputs: 256,
  // The API takes 300k tokens per request; texts are estimated, not tokenized, so stay well under.
  maxApproximateTokens: 100_000,
};

/** OpenAI embeddings (and compatible servers) through the official SDK, batched by count and size. */
export class OpenAiEmbedder implements Embedder {
  readonly space: EmbeddingSpace;
  readonly meteredModel: string;
  private readonly client: OpenAI;
  private readonly limits: EmbeddingBatchLimits;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.space = {
      id: `openai/${options.model}@${options.dimensions}`,
      dimensions: options.dimensions,
      kind: 'semantic',
    };
    this.meteredModel = `openai/${options.model}`;
    this.limits = { ...DEFAULT_OPENAI_EMBEDDING_BATCH, ...options.batch };
    this.client = openAIClient({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries ?? 2,
    });
  }

  async embed(texts: readonly string[], _purpose?: EmbeddingPurpose): Promise<EmbeddingBatch> {
    const vectors: Float32Array[] = [];
    let inputTokens = 0;
    for (const batch of planEmbeddingBatches(texts, this.limits)) {
      const answer = await this.request(batch);
      if (answer.data.length !== batch.length) {
        throw badResponse(`asked for ${batch.length} embeddings, got ${answer.data.length}`);
      }
      const ordered = [...answer.data].sort((a, b) => a.index - b.index);
      for (const item of ordered) vectors.push(this.vectorOf(item.embedding));
      inputTokens += answer.usage?.prompt_tokens ?? 0;
    }
    return { vectors, inputTokens };
  }

  private async request(input: string[]): Promise<OpenAI.CreateEmbeddingResponse> {
    try {
      return await this.client.embeddings.create({
        model: this.options.model,
        input,
        ...(this.options.sendDimensions ? { dimensions: this.options.dimensions } : {}),
        // Little-endian float32 bytes in base64: far less to send and parse than a JSON list of floats.
        encoding_format: 'base64',
      });
    } catch (error) {
      throw embeddingError(error);
    }
  }

  /** Decodes base64 float32 (what was asked for) or takes a float list (compatible servers that ignore the format). */
  private vectorOf(embedding: number[] | string): Float32Array {
    const vector = typeof embedding === 'string' ? decodeFloat32(embedding) : Float32Array.from(embedding);
    if (vector.length !== this.space.dimensions) {
      throw badResponse(`expected ${this.space.dimensions} dimensions, got ${vector.length}`);
    }
    return vector;
  }
}

function decodeFloat32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length % 4 !== 0) throw badResponse('a base64 embedding is not a whole number of float32 values');
  const vector = new Float32Array(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}

function badResponse(message: string): DomainError {
  return new DomainError(ErrorCode.ProviderBadResponse, `embedding provider: ${message}`, {
    provider: 'openai',
  });
}

/** The SDK's errors (after its own retries) as the platform's provider error codes. */
export function embeddingError(error: unknown): DomainError {
  const details = (status: number | undefined) => ({ provider: 'openai', ...(status ? { status } : {}) });
  if (error instanceof APIConnectionTimeoutError) {
    return new DomainError(ErrorCode.ProviderTimeout, 'embedding provider timed out', details(undefined));
  }
  if (error instanceof APIConnectionError) {
    return new DomainError(
      ErrorCode.ProviderUnavailable,
      'embedding provider unreachable',
      details(undefined),
    );
  }
  if (!(error instanceof APIError)) {
    return new DomainError(
      ErrorCode.ProviderBadResponse,
      'embedding provider answered something unreadable',
      details(undefined),
    );
  }
  const status = error.status;
  const message = `embedding provider: ${error.message}`;
  if (status === 429) return new DomainError(ErrorCode.ProviderRateLimited, message, details(status));
  if (status === 401 || status === 403)
    return new DomainError(ErrorCode.ProviderAuthFailed, message, details(status));
  if (status === 404) return new DomainError(ErrorCode.UnknownModel, message, details(status));
  if (error.code === 'context_length_exceeded') {
    return new DomainError(ErrorCode.ContextLengthExceeded, message, details(status));
  }
  if (status !== undefined && status >= 500)
    return new DomainError(ErrorCode.ProviderUnavailable, message, details(status));
  return new DomainError(ErrorCode.ProviderBadResponse, message, details(status));
}
