import { retryAfterMs } from '@conduit/service-kit';
import { ProviderError, type ProviderFailureKind } from './provider-error';

/** What an SDK's API error says, read off under whatever names that SDK uses. */
export interface ApiErrorFacts {
  /** HTTP status; undefined for an error event inside an already-started (200) stream. */
  status: number | undefined;
  headers: Headers | undefined;
  /** The provider's error type: `rate_limit_error`, `overloaded_error`, `server_error`, ... */
  type: string | null;
  /** A machine-readable cause when the provider gives one (OpenAI `error.code`). */
  code: string | null;
  /** The provider's own explanation. */
  message: string;
}

/** Recognises one SDK's error classes; everything else about the mapping is shared. */
export interface SdkErrorReader {
  isTimeout(error: unknown): boolean;
  isConnectionError(error: unknown): boolean;
  /** The facts of an API error (HTTP error or in-stream error event), undefined for anything else. */
  readApiError(error: unknown): ApiErrorFacts | undefined;
  /** The SDK's own failures that are not API errors, e.g. a response without a body. */
  isSdkError(error: unknown): boolean;
}

/**
 * Turns whatever an SDK call or stream threw into what the caller can act on:
 * - our signal aborted: the signal's reason, unchanged (the caller knows why it aborted);
 * - a provider failure: a {@link ProviderError};
 * - anything else (a bug on our side): the error itself.
 */
export function mapProviderError(
  error: unknown,
  provider: string,
  signal: AbortSignal,
  sdk: SdkErrorReader,
): unknown {
  if (signal.aborted) return signal.reason;
  if (sdk.isTimeout(error)) {
    return new ProviderError('timeout', provider, `${provider} did not answer in time`);
  }
  if (sdk.isConnectionError(error)) {
    return new ProviderError('unavailable', provider, `Could not reach ${provider}: ${messageOf(error)}`);
  }
  const api = sdk.readApiError(error);
  if (api !== undefined) return fromApiError(api, provider);
  // The SDKs rethrow JSON.parse's SyntaxError when a streamed event is not valid JSON.
  if (nameOf(error) === 'SyntaxError' || sdk.isSdkError(error)) {
    return new ProviderError(
      'bad_response',
      provider,
      `${provider} sent a response we could not read: ${messageOf(error)}`,
    );
  }
  if (isNetworkFailure(error)) {
    return new ProviderError(
      'unavailable',
      provider,
      `The connection to ${provider} broke: ${messageOf(error)}`,
    );
  }
  return error;
}

function fromApiError(api: ApiErrorFacts, provider: string): ProviderError {
  const status = api.status ?? statusOfErrorType(api.type);
  const kind = kindOf(status, api);
  const waitMs = kind === 'rate_limited' || kind === 'unavailable' ? retryAfterMs(api.headers) : null;
  // Auth messages can echo part of the key; the status says enough.
  const detail = kind === 'auth' ? 'the configured credentials were rejected' : truncate(api.message);
  return new ProviderError(kind, provider, `${provider}: ${detail}`, waitMs, api.status ?? null);
}

function kindOf(status: number | undefined, api: ApiErrorFacts): ProviderFailureKind {
  if (status === undefined) return 'unavailable'; // an unexplained error event in the middle of a stream
  if (isQuotaExhausted(status, api)) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'unavailable';
  if (status === 401 || status === 403) return 'auth';
  if (status === 413 || isContextLengthError(api)) return 'context_length';
  if (isContentPolicyError(api)) return 'content_policy';
  return 'bad_request';
}

/** Status of the error types providers send inside a 200 stream, where there is no HTTP status. */
const statusByErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  server_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function statusOfErrorType(type: string | null): number | undefined {
  return type === null ? undefined : statusByErrorType[type];
}

/** Out of credit: retrying cannot help, another provider can, like a rejected key. */
function isQuotaExhausted(status: number, api: ApiErrorFacts): boolean {
  return status === 402 || api.code === 'insufficient_quota' || api.type === 'insufficient_quota';
}

const CONTEXT_LENGTH_CODES = new Set(['context_length_exceeded', 'string_above_max_length']);
// OpenAI and OpenAI-compatible servers (vLLM, DeepSeek, Groq) and Anthropic word it differently.
const CONTEXT_LENGTH_MESSAGE =
  /prompt is too long|maximum context length|context length|context window|exceeds? (the )?context limit|too many tokens/i;

function isContextLengthError(api: ApiErrorFacts): boolean {
  return (
    (api.code !== null && CONTEXT_LENGTH_CODES.has(api.code)) || CONTEXT_LENGTH_MESSAGE.test(api.message)
  );
}

const CONTENT_POLICY_CODES = new Set(['content_policy_violation', 'content_filter', 'invalid_prompt']);
const CONTENT_POLICY_MESSAGE = /content (management )?polic|usage polic|flagged|safety system/i;

function isContentPolicyError(api: ApiErrorFacts): boolean {
  return (
    (api.code !== null && CONTENT_POLICY_CODES.has(api.code)) || CONTENT_POLICY_MESSAGE.test(api.message)
  );
}

const NETWORK_ERROR_CODES = /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|UND_ERR_\w+)$/;

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: { code?: unknown };
}

// Read by shape, not `instanceof`: Node's fetch throws errors from its own realm (not the test runner's).
function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? error : {};
}

function nameOf(error: unknown): unknown {
  return asErrorLike(error).name;
}

/** Node's fetch reports a connection lost while reading the body as `TypeError: terminated` (cause: a socket error). */
function isNetworkFailure(error: unknown): boolean {
  const { name, message, code, cause } = asErrorLike(error);
  if (name === 'TypeError' && message === 'terminated') return true;
  const errorCode = code ?? cause?.code;
  return typeof errorCode === 'string' && NETWORK_ERROR_CODES.test(errorCode);
}

function messageOf(error: unknown): string {
  const { message } = asErrorLike(error);
  return truncate(typeof message === 'string' ? message : String(error));
}

function truncate(text: string, max = 500): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
