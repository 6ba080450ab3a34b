/** Codes of services that run models through AI providers: the model asked for, and the provider's answer. */
export const ProviderErrorCode = {
  UnknownModel: 'UNKNOWN_MODEL',
  ModelUnavailable: 'MODEL_UNAVAILABLE',
  ContextLengthExceeded: 'CONTEXT_LENGTH_EXCEEDED',
  ProviderRateLimited: 'PROVIDER_RATE_LIMITED',
  ProviderUnavailable: 'PROVIDER_UNAVAILABLE',
  ProviderTimeout: 'PROVIDER_TIMEOUT',
  ProviderAuthFailed: 'PROVIDER_AUTH_FAILED',
  ProviderContentRejected: 'PROVIDER_CONTENT_REJECTED',
  ProviderBadResponse: 'PROVIDER_BAD_RESPONSE',
} as const;
export type ProviderErrorCode = (typeof ProviderErrorCode)[keyof typeof ProviderErrorCode];
