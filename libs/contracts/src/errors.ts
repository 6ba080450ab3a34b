import { z } from 'zod';

/** The closed set of error codes any service may answer with. Transports map them exhaustively. */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  RateLimited: 'RATE_LIMITED',
  BudgetExceeded: 'BUDGET_EXCEEDED',
  UnknownModel: 'UNKNOWN_MODEL',
  ModelUnavailable: 'MODEL_UNAVAILABLE',
  ContextLengthExceeded: 'CONTEXT_LENGTH_EXCEEDED',
  ProviderRateLimited: 'PROVIDER_RATE_LIMITED',
  ProviderUnavailable: 'PROVIDER_UNAVAILABLE',
  ProviderTimeout: 'PROVIDER_TIMEOUT',
  ProviderAuthFailed: 'PROVIDER_AUTH_FAILED',
  ProviderContentRejected: 'PROVIDER_CONTENT_REJECTED',
  ProviderBadResponse: 'PROVIDER_BAD_RESPONSE',
  Cancelled: 'CANCELLED',
  StreamLost: 'STREAM_LOST',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  Timeout: 'TIMEOUT',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const errorCodeValues = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];
export const ErrorCodeSchema = z.enum(errorCodeValues);

export const ErrorBodySchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** A failure the caller can act on; carried across NATS as an {@link ErrorBody}. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromBody(body: ErrorBody): DomainError {
    return new DomainError(body.code, body.message, body.details);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** Field-level problems from a zod failure, as `details.fields` for a VALIDATION_FAILED error. */
export function validationError(error: z.ZodError, what = 'request'): DomainError {
  const fields = error.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    // An unknown-keys issue sits on the parent object; name each offending field instead.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...base, key].join('.'),
        message: 'is not an accepted field',
      }));
    }
    return [{ path: base.join('.') || '(root)', message: issue.message }];
  });
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  return new DomainError(ErrorCode.ValidationFailed, `Invalid ${what}: ${summary}`, { fields });
}
