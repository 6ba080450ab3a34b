import { ErrorBody, ErrorCode } from '../errors';
import { httpStatusFor } from '../http-status';

/**
 * The error body shape OpenAI clients parse: `{ error: { message, type, param, code } }`, with the type
 * OpenAI gives an answer of that status (a 5xx is a `server_error`, never an invalid request).
 */
export function openAiErrorFrom(
  error: ErrorBody,
  status: number = httpStatusFor(error.code),
): {
  error: { message: string; type: string; param: string | null; code: string };
} {
  const fields = (error.details?.fields as { path: string }[] | undefined) ?? [];
  return {
    error: {
      message: error.message,
      type: openAiTypeFor(error.code, status),
      param: fields[0]?.path ?? null,
      code: openAiCodeFor(error.code),
    },
  };
}

function openAiTypeFor(code: ErrorCode, status: number): string {
  // OpenAI's own type for a spent quota, which its SDKs and clients recognise.
  if (code === ErrorCode.BudgetExceeded) return 'insufficient_quota';
  if (status === 401) return 'authentication_error';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function openAiCodeFor(code: ErrorCode): string {
  // OpenAI answers a model that does not exist and one the caller cannot use alike: 404 model_not_found.
  if (code === ErrorCode.UnknownModel || code === ErrorCode.ModelUnavailable) return 'model_not_found';
  return code.toLowerCase();
}
