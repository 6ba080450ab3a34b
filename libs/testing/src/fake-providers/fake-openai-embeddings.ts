import { countWords, type FakeUsageOverride } from './fake-provider.behavior';
import type { FakeJsonEndpoint, ProviderErrorSpec } from './fake-provider.server';

/** The fields of `POST /v1/embeddings` the fake reads. */
export interface OpenAIEmbeddingsRequestBody {
  model: string;
  input: string | string[] | number[] | number[][];
  dimensions?: number;
  encoding_format?: 'float' | 'base64';
  user?: string;
}

/** The real API's limits: inputs per request, tokens per input, tokens per request. */
export const OPENAI_EMBEDDING_LIMITS = { maxInputs: 2048, maxInputTokens: 8192, maxRequestTokens: 300_000 };

const NATIVE_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};
/** Only the text-embedding-3 family can be shortened. */
const FIXED_SIZE_MODELS = new Set(['text-embedding-ada-002']);

const invalid = (
  message: string,
  param: string | null = null,
  code: string | null = null,
): ProviderErrorSpec => ({
  status: 400,
  type: 'invalid_request_error',
  message,
  param,
  code,
});

const invalidInput = (): ProviderErrorSpec =>
  invalid(
    "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
  );

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each input's token count (the fake counts words), or undefined when `input` is malformed. */
function inputTokenCounts(input: unknown): number[] | undefined {
  if (typeof input === 'string') return input.length === 0 ? undefined : [countWords(input)];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'number')) return [input.length];
  const counts: number[] = [];
  for (const item of input) {
    if (typeof item === 'string' && item.length > 0) counts.push(countWords(item));
    else if (Array.isArray(item) && item.length > 0 && item.every((t) => typeof t === 'number'))
      counts.push(item.length);
    else return undefined;
  }
  return counts;
}

function dimensionsOf(body: OpenAIEmbeddingsRequestBody): number {
  return body.dimensions ?? NATIVE_DIMENSIONS[body.model] ?? 1536;
}

function validate(json: unknown): ProviderErrorSpec | undefined {
  if (!isRecord(json)) return invalid('The request body must be a JSON object.');
  if (typeof json.model !== 'string' || json.model.length === 0)
    return invalid('you must provide a model parameter');
  if (json.input === undefined)
    return invalid("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  const counts = inputTokenCounts(json.input);
  if (!counts) return invalidInput();
  if (counts.length > OPENAI_EMBEDDING_LIMITS.maxInputs) {
    return invalid(
      `'$.input' is invalid: at most ${OPENAI_EMBEDDING_LIMITS.maxInputs} inputs per request.`,
      'input',
    );
  }
  const longest = Math.max(...counts);
  if (longest > OPENAI_EMBEDDING_LIMITS.maxInputTokens) {
    return invalid(
      `This model's maximum context length is ${OPENAI_EMBEDDING_LIMITS.maxInputTokens} tokens, however you requested ${longest} tokens (${longest} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
      null,
      'context_length_exceeded',
    );
  }
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total > OPENAI_EMBEDDING_LIMITS.maxRequestTokens) {
    return invalid(
      `Requested ${total} tokens, max ${OPENAI_EMBEDDING_LIMITS.maxRequestTokens} tokens per request`,
      null,
      'max_tokens_per_request',
    );
  }
  const format = json.encoding_format;
  if (format !== undefined && format !== 'float' && format !== 'base64') {
    return invalid(
      `Invalid value for 'encoding_format': expected one of 'float' or 'base64'.`,
      'encoding_format',
      'invalid_value',
    );
  }
  if (json.dimensions !== undefined) {
    if (FIXED_SIZE_MODELS.has(json.model))
      return invalid('This model does not support specifying dimensions.');
    const native = NATIVE_DIMENSIONS[json.model] ?? 1536;
    if (
      typeof json.dimensions !== 'number' ||
      !Number.isInteger(json.dimensions) ||
      json.dimensions < 1 ||
      json.dimensions > native
    ) {
      return invalid(
        `Invalid value for 'dimensions' = ${String(json.dimensions)}. Must be between 1 and ${native}.`,
        'dimensions',
        'invalid_value',
      );
    }
  }
  return undefined;
}

/**
 * A deterministic stand-in for a model: the sum of one pseudo-random ±1 vector per lowercase word,
 * normalised. Texts sharing words come out close, so ranking tests mean something.
 */
export function fakeOpenAIEmbedding(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word.length === 0) continue;
    let state = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) state = Math.imul(state ^ word.charCodeAt(i), 0x01000193);
    for (let i = 0; i < dimensions; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      vector[i] = (vector[i] ?? 0) + (state & 1 ? 1 : -1);
    }
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) * scale;
  return vector;
}

function inputTexts(input: OpenAIEmbeddingsRequestBody['input']): string[] {
  if (typeof input === 'string') return [input];
  if (input.every((item) => typeof item === 'number')) return [input.join(' ')];
  return input.map((item) => (typeof item === 'string' ? item : item.join(' ')));
}

function answer(json: unknown, usage: FakeUsageOverride | undefined): unknown {
  const body = json as OpenAIEmbeddingsRequestBody;
  const dimensions = dimensionsOf(body);
  const texts = inputTexts(body.input);
  const promptTokens = usage?.inputTokens ?? (inputTokenCounts(body.input) ?? []).reduce((a, b) => a + b, 0);
  return {
    object: 'list',
    data: texts.map((text, index) => {
      const vector = fakeOpenAIEmbedding(text, dimensions);
      return {
        object: 'embedding',
        index,
        embedding:
          body.encoding_format === 'base64'
            ? Buffer.from(vector.buffer).toString('base64')
            : Array.from(vector),
      };
    }),
    model: body.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** `POST /v1/embeddings` as the OpenAI API answers it (float or base64 encoding, usage, error bodies). */
export const openAIEmbeddingsEndpoint: FakeJsonEndpoint = {
  method: 'POST',
  path: '/v1/embeddings',
  validate,
  answer,
};
