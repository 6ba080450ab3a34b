import { HttpException } from '@nestjs/common';
import { ErrorBody, ErrorCode, isDomainError } from '@conduit/contracts';

/**
 * Turns anything thrown while serving HTTP into an error body. Returns null for unknown errors,
 * which the caller logs and answers as a bare 500.
 */
export function toErrorBody(error: unknown): { body: ErrorBody; status?: number } | null {
  if (isDomainError(error)) return { body: error.toBody() };
  const fastifyStatus = (error as { statusCode?: number; code?: string }).statusCode;
  const fastifyCode = (error as { code?: string }).code;
  if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_')) {
    if (fastifyStatus === 413)
      return { body: { code: ErrorCode.PayloadTooLarge, message: 'Request body is too large' } };
    if (fastifyStatus === 415) {
      return {
        body: {
          code: ErrorCode.ValidationFailed,
          message: 'Unsupported content type: send application/json',
        },
        status: 415,
      };
    }
    return {
      body: { code: ErrorCode.ValidationFailed, message: `Malformed request: ${(error as Error).message}` },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const extra = typeof response === 'object' && response ? (response as Record<string, unknown>) : {};
    const code =
      status === 404
        ? ErrorCode.NotFound
        : status === 401
          ? ErrorCode.Unauthenticated
          : status === 403
            ? ErrorCode.Forbidden
            : status === 413
              ? ErrorCode.PayloadTooLarge
              : status === 429
                ? ErrorCode.RateLimited
                : status === 503
                  ? ErrorCode.ServiceUnavailable
                  : status >= 500
                    ? ErrorCode.Internal
                    : ErrorCode.ValidationFailed;
    const { message: _message, statusCode: _statusCode, error: _error, ...details } = extra;
    return {
      body: { code, message: error.message, ...(Object.keys(details).length ? { details } : {}) },
      status,
    };
  }
  return null;
}
