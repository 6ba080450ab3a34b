import { z } from 'zod';
import { CommonErrorCode } from './error-codes/common';
import { ProviderErrorCode } from './error-codes/provider';
import { SearchErrorCode } from './error-codes/search';
import { UsageErrorCode } from './error-codes/usage';

/**
 * The closed set of error codes any service may answer with: each domain declares its own in
 * `error-codes/`, merged here. Transports map the union exhaustively (the gateway's HTTP statuses).
 */
export const ErrorCode = {
  ...CommonErrorCode,
  ...ProviderErrorCode,
  ...UsageErrorCode,
  ...SearchErrorCode,
} as const;
export type ErrorCode = CommonErrorCode | ProviderErrorCode | UsageErrorCode | SearchErrorCode;

/** Each domain's codes, for checks that no two domains claim the same name or value. */
export const ERROR_CODE_DOMAINS = {
  common: CommonErrorCode,
  provider: ProviderErrorCode,
  usage: UsageErrorCode,
  search: SearchErrorCode,
};

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
  const fields = closestIssues(error.issues).flatMap((issue) => {
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

/**
 * A value that fits no option of a union is reported as the option it came closest to (the fewest
 * issues), so `{documents: [...1,001 items]}` says the array is too long rather than "Invalid input".
 */
function closestIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const closest = issue.errors.reduce((best, option) => (option.length < best.length ? option : best));
    return closestIssues(closest.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  });
}
