import { RedisScript } from '@conduit/service-kit';
import type { CountedLimit } from '../rate-limits/rate-limit-policy.service';
import { REDIS_NOW_LUA } from '../rate-limits/redis-clock';
import { COUNT_REQUEST_LUA, parseWindowReply, type WindowObservation } from '../rate-limits/request-window';
import { TAKE_LEASE_LUA } from '../rate-limits/stream-leases';
import { RECORD_OWNER_LUA, streamOwnerKey } from './stream-ownership';

/**
 * Everything a new stream needs from Redis, in one round trip: the request is counted in its request
 * log; once admitted there, the stream takes its slot in every set or in none; once it has it, its
 * owner is recorded. A request refused for want of a slot still counts as a request.
 *
 * KEYS: the stream's owner key, the request log (only when ARGV[4] > 0), then the slot sets.
 * ARGV: stream id (the request's log entry and the lease id), owner record, owner ttl ms, request limit
 * (0: requests are not limited), window ms, lease ttl ms, then the limit of each slot set in order.
 * Returns the request log's observation as `count_request` does ({ 1, 0, now, now } when not
 * limited), then 0 when the stream was admitted, else the 1-based index of the first full slot set.
 *
 * The owner key is not tagged with the user, unlike the others: this runs on one Redis, not a Cluster.
 */
export const STREAM_ADMISSION_SCRIPT =
  new RedisScript(`${REDIS_NOW_LUA}${COUNT_REQUEST_LUA}${TAKE_LEASE_LUA}${RECORD_OWNER_LUA}
local stream_id = ARGV[1]
local request_limit = tonumber(ARGV[4])
local observed = { 1, 0, now, now }
local first_set = 2
if request_limit > 0 then
  observed = count_request(KEYS[2], request_limit, tonumber(ARGV[5]), stream_id)
  if observed[1] == 0 then return { observed[1], observed[2], observed[3], observed[4], 0 } end
  first_set = 3
end
local full = take_lease({ unpack(KEYS, first_set) }, { unpack(ARGV, 7) }, stream_id, tonumber(ARGV[6]))
if full == 0 then record_owner(KEYS[1], ARGV[2], ARGV[3]) end
return { observed[1], observed[2], observed[3], observed[4], full }
`);

export interface AdmissionRequest {
  streamId: string;
  /** The owner record to keep (see `serializeOwner`). */
  owner: string;
  ownerTtlMs: number;
  /** The request log, null when requests are not limited. */
  requests: CountedLimit | null;
  windowMs: number;
  leaseTtlMs: number;
  /** The slot sets, in the order a full one is reported by. */
  streams: CountedLimit[];
}

/** The script's KEYS and ARGV for one admission. */
export function admissionCall(a: AdmissionRequest): { keys: string[]; args: (string | number)[] } {
  return {
    keys: [
      streamOwnerKey(a.streamId),
      ...(a.requests ? [a.requests.key] : []),
      ...a.streams.map((s) => s.key),
    ],
    args: [
      a.streamId,
      a.owner,
      a.ownerTtlMs,
      a.requests?.limit ?? 0,
      a.windowMs,
      a.leaseTtlMs,
      ...a.streams.map((s) => s.limit),
    ],
  };
}

export interface AdmissionObservation {
  requests: WindowObservation;
  /** 0 when a slot was taken, else the 1-based index of the first full slot set. */
  fullSet: number;
}

export function parseAdmissionReply(reply: unknown): AdmissionObservation {
  if (!Array.isArray(reply) || reply.length !== 5 || typeof reply[4] !== 'number') {
    throw new Error(`unexpected stream admission script reply: ${JSON.stringify(reply)}`);
  }
  return { requests: parseWindowReply(reply.slice(0, 4)), fullSet: reply[4] };
}
