import { DomainError, ErrorCode } from '@conduit/contracts';

/** Upper bounds for any configured limit. The request log keeps one entry per admitted request, so this bounds its size. */
export const MAX_REQUESTS_PER_MINUTE = 100_000;
export const MAX_CONCURRENT_STREAMS = 10_000;

/** Limits in force for one subject; 0 means unlimited. */
export interface RateLimits {
  requestsPerMinute: number;
  concurrentStreams: number;
}

/** What an API key stores: null (or absent) means the deployment's default applies. */
export interface ApiKeyLimitOverrides {
  requestsPerMinute?: number | null;
  concurrentStreams?: number | null;
}

/**
 * A key may lower the deployment's limits, never raise them: keys are created by their users, so a
 * higher limit would let anyone lift their own cap. A stored value above a default that was lowered
 * since is capped at the new default.
 */
export function effectiveKeyLimits(defaults: RateLimits, overrides: ApiKeyLimitOverrides): RateLimits {
  return {
    requestsPerMinute: lowerOf(defaults.requestsPerMinute, overrides.requestsPerMinute),
    concurrentStreams: lowerOf(defaults.concurrentStreams, overrides.concurrentStreams),
  };
}

/** Refuses, as a 400 naming each field, limits a new key may not have. Shape and range are checked by the schema. */
export function assertKeyLimitsAllowed(requested: ApiKeyLimitOverrides, defaults: RateLimits): void {
  const fields: { path: string; message: string }[] = [];
  for (const name of ['requestsPerMinute', 'concurrentStreams'] as const) {
    const value = requested[name];
    const ceiling = defaults[name];
    if (value != null && ceiling > 0 && value > ceiling) {
      fields.push({
        path: `limits.${name}`,
        message: `must be at most ${ceiling}, this deployment's limit (a key may only lower it)`,
      });
    }
  }
  if (fields.length === 0) return;
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  throw new DomainError(ErrorCode.ValidationFailed, `Invalid request body: ${summary}`, { fields });
}

function lowerOf(defaultLimit: number, override: number | null | undefined): number {
  if (override == null || override <= 0) return defaultLimit;
  return defaultLimit === 0 ? override : Math.min(defaultLimit, override);
}
