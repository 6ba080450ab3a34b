import { RedisScript } from '@conduit/service-kit';
import { REDIS_NOW_LUA } from './redis-clock';

// One sorted set per counted subject (the user; the API key too when one was used). Members are lease
// ids, scores the time (Redis's clock, ms) each lease expires unless its replica renews it.

/**
 * Lua defining `take_lease(keys, limits, lease_id, ttl_ms)` (it reads `now`, see {@link REDIS_NOW_LUA}):
 * `limits` holds one limit per set in `keys`. Expired leases are dropped first; the lease goes into
 * every set or into none. Returns 0 when taken, else the 1-based index of the first set that is full.
 */
export const TAKE_LEASE_LUA = `
local function take_lease(keys, limits, lease, ttl)
  for i, key in ipairs(keys) do
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    if redis.call('ZCARD', key) >= tonumber(limits[i]) then return i end
  end
  for _, key in ipairs(keys) do
    redis.call('ZADD', key, now + ttl, lease)
    redis.call('PEXPIRE', key, ttl)
  end
  return 0
end
`;

/** KEYS: the subject sets; ARGV: lease id, ttl ms, then the limit for each key in order. See {@link TAKE_LEASE_LUA}. */
export const ACQUIRE_LEASE_SCRIPT = new RedisScript(`${REDIS_NOW_LUA}${TAKE_LEASE_LUA}
return take_lease(KEYS, { unpack(ARGV, 3) }, ARGV[1], tonumber(ARGV[2]))
`);

/**
 * KEYS: the lease's sets; ARGV: lease id, ttl ms. Pushes the expiry out, but only of a lease still
 * there: one that expired (its replica could not reach Redis for a whole TTL) or was released in the
 * meantime is not brought back. Returns how many sets no longer held it.
 */
export const RENEW_LEASE_SCRIPT = new RedisScript(`${REDIS_NOW_LUA}
local ttl = tonumber(ARGV[2])
local lost = 0
for _, key in ipairs(KEYS) do
  if redis.call('ZADD', key, 'XX', 'CH', now + ttl, ARGV[1]) == 0 then
    if not redis.call('ZSCORE', key, ARGV[1]) then lost = lost + 1 end
  else
    redis.call('PEXPIRE', key, ttl)
  end
end
return lost
`);

/** KEYS: the lease's sets; ARGV: lease id. */
export const RELEASE_LEASE_SCRIPT = new RedisScript(`
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 0
`);
