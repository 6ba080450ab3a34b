/** Whom a limit counts for: the API key when the caller used one, else the user. */
export type LimitScope = 'api-key' | 'user';

/** The caller as the limiters see it (a Principal or a bus CallerContext both fit). */
export interface RateLimitSubject {
  userId: string | null;
  apiKeyId?: string | null;
}

// Keys carry the user id as a hash tag, so a user's counters and their keys' counters share one
// Redis Cluster slot and a script may touch both.
const userTag = (userId: string) => `rate:{${userId}}`;

export function requestLogKey(userId: string, apiKeyId: string | null | undefined): string {
  return apiKeyId ? `${userTag(userId)}:requests:key:${apiKeyId}` : `${userTag(userId)}:requests:user`;
}

export function streamLeasesKey(userId: string, scope: LimitScope, apiKeyId?: string | null): string {
  return scope === 'api-key'
    ? `${userTag(userId)}:streams:key:${apiKeyId}`
    : `${userTag(userId)}:streams:user`;
}
