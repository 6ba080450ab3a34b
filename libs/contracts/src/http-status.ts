import { ErrorCode } from './errors';

/** The one place error codes become HTTP statuses; the switch must stay exhaustive. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.ValidationFailed:
      return 400;
    case ErrorCode.Unauthenticated:
      return 401;
    case ErrorCode.BudgetExceeded:
      return 402;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.NotFound:
    case ErrorCode.UnknownModel:
    // Not usable here (its provider has no credentials): retrying will not help, unlike a 503.
    case ErrorCode.ModelUnavailable:
      return 404;
    case ErrorCode.Conflict:
      return 409;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.UnsupportedFileType:
      return 415;
    case ErrorCode.UnreadableFile:
    case ErrorCode.ContextLengthExceeded:
    case ErrorCode.ProviderContentRejected:
      return 422;
    case ErrorCode.RateLimited:
    case ErrorCode.ProviderRateLimited:
      return 429;
    case ErrorCode.Cancelled:
      return 499;
    case ErrorCode.Internal:
      return 500;
    case ErrorCode.ProviderUnavailable:
    case ErrorCode.ProviderAuthFailed:
    case ErrorCode.ProviderBadResponse:
    case ErrorCode.StreamLost:
      return 502;
    case ErrorCode.ServiceUnavailable:
      return 503;
    case ErrorCode.Timeout:
    case ErrorCode.ProviderTimeout:
      return 504;
  }
}
