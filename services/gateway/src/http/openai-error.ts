import { ErrorBody, ErrorCode } from '@conduit/contracts';

/** The error body shape OpenAI clients parse: `{ error: { message, type, param, code } }`. */
export function openAiErrorFrom(error: ErrorBody): {
  error: { message: string; type: string; param: string | null; code: string };
} {
  const fields = (error.details?.fields as { path: string }[] | undefined) ?? [];
  return {
    error: {
      message: error.message,
      type: openAiTypeFor(error.code),
      param: fields[0]?.path ?? null,
      code: error.code === ErrorCode.UnknownModel ? 'model_not_found' : error.code.toLowerCase(),
    },
  };
}

function openAiTypeFor(code: ErrorCode): string {
  if (code === ErrorCode.Unauthenticated) return 'authentication_error';
  if (code === ErrorCode.RateLimited || code === ErrorCode.ProviderRateLimited) return 'rate_limit_exceeded';
  // OpenAI's own type for a spent quota, which its SDKs and clients recognise.
  if (code === ErrorCode.BudgetExceeded) return 'insufficient_quota';
  if (code === ErrorCode.Internal) return 'server_error';
  return 'invalid_request_error';
}
