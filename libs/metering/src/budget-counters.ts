import type Redis from 'ioredis';
import type { BudgetLimit, BudgetScope, Spend } from '@conduit/contracts';
import { RedisScript, withTimeout } from '@conduit/service-kit';
import type { PeriodWindow } from './budget-period';

/**
 * Redis layout, every key of one user in one hash slot (`{userId}`) so a script may touch them all:
 *
 * - `budget:{<user>}:<scope>:spent:<period tag>`, a hash `usd` (nano-USD), `tok`, `ready`, `gen`: what
 *   the scope spent in that period, a cache of the ledger. It is built from Postgres when missing and
 *   expires after COUNTER_TTL_MS, so any drift (a crash between the ledger write and the increment)
 *   heals within that time.
 * - `budget:{<user>}:<scope>:held`, a hash of reservation id → `nano:tokens:expiresAtMs`: the worst case
 *   of every completion in flight, whatever its period.
 *
 * `<scope>` is `u` for the user, `k:<api key id>` for one of their keys.
 */
export const COUNTER_TTL_MS = 600_000;

export function heldKey(userId: string, scope: BudgetScope, scopeId: string): string {
  return `budget:{${userId}}:${scopePart(scope, scopeId)}:held`;
}

export function counterKey(
  userId: string,
  scope: BudgetScope,
  scopeId: string,
  window: PeriodWindow,
): string {
  return `budget:{${userId}}:${scopePart(scope, scopeId)}:spent:${window.tag}`;
}

function scopePart(scope: BudgetScope, scopeId: string): string {
  return scope === 'user' ? 'u' : `k:${scopeId}`;
}

/**
 * Check and reserve, atomically. Sums the live reservations of each scope (dropping expired ones),
 * reads each budget's counter, and holds the new reservation only if, for every budget,
 * spent + held + this request's worst case stays within the limit.
 *
 * A counter that is missing is created empty with `ready = 0` and a fresh `gen`, and the script answers
 * `rebuild`: from then on settlements add to it, while the caller sums the ledger and calls again with
 * that base and the `gen` it saw; the base is added once, if the counter is still that generation. A
 * completion settled in between is counted by the ledger sum or by the increment, never by neither (at
 * worst by both, which errs on the safe side).
 */
const RESERVE = new RedisScript(`
-- KEYS[1..S]: held hashes, one per budgeted scope; KEYS[S+1..]: one counter per budget.
-- ARGV: now, reservation id, expiresAt, nano, tokens, S, counterTtlMs, heldTtlMs,
--       then six per budget: scope index, limit nano (-1: none), limit tokens (-1: none),
--       base nano ('' if not rebuilt), base tokens, gen the base was built for.
local now = tonumber(ARGV[1])
local S = tonumber(ARGV[6])
local heldNano, heldTokens = {}, {}
for s = 1, S do
  local nano, tokens = 0, 0
  local entries = redis.call('HGETALL', KEYS[s])
  for i = 1, #entries, 2 do
    local n, t, expires = string.match(entries[i + 1], '^(%d+):(%d+):(%d+)$')
    if n and tonumber(expires) > now then
      nano = nano + tonumber(n)
      tokens = tokens + tonumber(t)
    else
      redis.call('HDEL', KEYS[s], entries[i])
    end
  end
  heldNano[s] = nano
  heldTokens[s] = tokens
end
local B = #KEYS - S
local spentNano, spentTokens, rebuild = {}, {}, {}
for b = 1, B do
  local key = KEYS[S + b]
  local at = 9 + (b - 1) * 6
  local counter = redis.call('HMGET', key, 'usd', 'tok', 'ready', 'gen')
  if counter[3] == '1' then
    spentNano[b] = tonumber(counter[1])
    spentTokens[b] = tonumber(counter[2])
  elseif counter[3] == '0' and ARGV[at + 3] ~= '' and ARGV[at + 5] == counter[4] then
    redis.call('HINCRBY', key, 'usd', ARGV[at + 3])
    redis.call('HINCRBY', key, 'tok', ARGV[at + 4])
    redis.call('HSET', key, 'ready', '1')
    spentNano[b] = tonumber(counter[1]) + tonumber(ARGV[at + 3])
    spentTokens[b] = tonumber(counter[2]) + tonumber(ARGV[at + 4])
  else
    local gen = counter[4]
    if not counter[3] then
      gen = ARGV[2] .. ':' .. b
      redis.call('HSET', key, 'usd', '0', 'tok', '0', 'ready', '0', 'gen', gen)
      redis.call('PEXPIRE', key, ARGV[7])
    end
    rebuild[#rebuild + 1] = b
    rebuild[#rebuild + 1] = gen
  end
end
if #rebuild > 0 then
  table.insert(rebuild, 1, 'rebuild')
  return rebuild
end
local nano = tonumber(ARGV[4])
local tokens = tonumber(ARGV[5])
for b = 1, B do
  local at = 9 + (b - 1) * 6
  local s = tonumber(ARGV[at])
  local limitNano = tonumber(ARGV[at + 1])
  local limitTokens = tonumber(ARGV[at + 2])
  local over = nil
  if limitNano >= 0 and spentNano[b] + heldNano[s] + nano > limitNano then
    over = 'usd'
  elseif limitTokens >= 0 and spentTokens[b] + heldTokens[s] + tokens > limitTokens then
    over = 'tokens'
  end
  if over then
    return { 'refused', b, over, spentNano[b], spentTokens[b], heldNano[s], heldTokens[s] }
  end
end
local entry = ARGV[4] .. ':' .. ARGV[5] .. ':' .. ARGV[3]
for s = 1, S do
  redis.call('HSET', KEYS[s], ARGV[2], entry)
  if redis.call('PTTL', KEYS[s]) < tonumber(ARGV[8]) then
    redis.call('PEXPIRE', KEYS[s], ARGV[8])
  end
end
return { 'held' }
`);

/** Drops a reservation and adds the actual cost to every counter that exists (missing ones get rebuilt). */
const SETTLE = new RedisScript(`
-- KEYS[1..S]: held hashes; KEYS[S+1..]: counters. ARGV: S, reservation id, nano, tokens.
local S = tonumber(ARGV[1])
for s = 1, S do
  redis.call('HDEL', KEYS[s], ARGV[2])
end
for c = S + 1, #KEYS do
  if redis.call('EXISTS', KEYS[c]) == 1 then
    redis.call('HINCRBY', KEYS[c], 'usd', ARGV[3])
    redis.call('HINCRBY', KEYS[c], 'tok', ARGV[4])
  end
end
return 1
`);

/** Pushes a live reservation's expiry out, so a long answer keeps its budget held. */
const RENEW = new RedisScript(`
-- KEYS: held hashes. ARGV: reservation id, entry, heldTtlMs.
for s = 1, #KEYS do
  if redis.call('HEXISTS', KEYS[s], ARGV[1]) == 1 then
    redis.call('HSET', KEYS[s], ARGV[1], ARGV[2])
    if redis.call('PTTL', KEYS[s]) < tonumber(ARGV[3]) then
      redis.call('PEXPIRE', KEYS[s], ARGV[3])
    end
  end
end
return 1
`);

export interface BudgetCheck {
  userId: string;
  budgets: readonly BudgetLimit[];
  /** The current period of each budget, same order. */
  windows: readonly PeriodWindow[];
  reservationId: string;
  ceiling: Spend;
  now: number;
  ttlMs: number;
}

export type CheckResult =
  | { kind: 'held' }
  | {
      kind: 'refused';
      budgetIndex: number;
      limit: 'usd' | 'tokens';
      spent: Spend;
      held: Spend;
    };

const MAX_REBUILDS = 3;

/** The Redis side of enforcement: counters per scope and period, and reservations per scope. */
export class BudgetCounters {
  /** @param timeoutMs longest wait for any one Redis call; a slower Redis counts as unavailable. */
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
  ) {}

  private run(script: RedisScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return withTimeout(script.run(this.redis, keys, args), this.timeoutMs, 'a budget script');
  }

  /**
   * Checks every budget and, if all allow it, holds the reservation in each budgeted scope. Sums the
   * ledger (`spentInLedger`) for counters that must be built first.
   */
  async reserve(
    check: BudgetCheck,
    spentInLedger: (budgetIndex: number) => Promise<Spend>,
  ): Promise<CheckResult> {
    const scopes = scopesOf(check.budgets);
    const keys = [
      ...scopes.map((s) => heldKey(check.userId, s.scope, s.scopeId)),
      ...check.budgets.map((b, i) => counterKey(check.userId, b.scope, b.scopeId, check.windows[i]!)),
    ];
    const bases = new Map<number, { spend: Spend; gen: string }>();
    for (let round = 0; ; round++) {
      const args: (string | number)[] = [
        check.now,
        check.reservationId,
        check.now + check.ttlMs,
        check.ceiling.nanoUsd,
        check.ceiling.tokens,
        scopes.length,
        COUNTER_TTL_MS,
        check.ttlMs,
      ];
      check.budgets.forEach((budget, i) => {
        const base = bases.get(i);
        args.push(
          scopes.findIndex((s) => s.scope === budget.scope && s.scopeId === budget.scopeId) + 1,
          budget.limitNanoUsd ?? -1,
          budget.limitTokens ?? -1,
          base ? base.spend.nanoUsd : '',
          base ? base.spend.tokens : '',
          base ? base.gen : '',
        );
      });
      const reply = (await this.run(RESERVE, keys, args)) as (string | number)[];
      if (reply[0] === 'held') return { kind: 'held' };
      if (reply[0] === 'refused') {
        const [, budget, limit, spentNano, spentTokens, heldNano, heldTokens] = reply;
        return {
          kind: 'refused',
          budgetIndex: Number(budget) - 1,
          limit: limit === 'tokens' ? 'tokens' : 'usd',
          spent: { nanoUsd: Number(spentNano), tokens: Number(spentTokens) },
          held: { nanoUsd: Number(heldNano), tokens: Number(heldTokens) },
        };
      }
      if (round >= MAX_REBUILDS) throw new Error('budget counters kept disappearing while being rebuilt');
      bases.clear();
      for (let i = 1; i + 1 < reply.length; i += 2) {
        const index = Number(reply[i]) - 1;
        bases.set(index, { spend: await spentInLedger(index), gen: String(reply[i + 1]) });
      }
    }
  }

  /** Drops the reservation from `heldScopes` and adds the actual spend to `counterScopes`' counters. */
  async settle(input: {
    userId: string;
    reservationId: string;
    heldScopes: readonly ScopeRef[];
    counters: readonly (ScopeRef & { window: PeriodWindow })[];
    spend: Spend;
  }): Promise<void> {
    const keys = [
      ...input.heldScopes.map((s) => heldKey(input.userId, s.scope, s.scopeId)),
      ...input.counters.map((c) => counterKey(input.userId, c.scope, c.scopeId, c.window)),
    ];
    await this.run(SETTLE, keys, [
      input.heldScopes.length,
      input.reservationId,
      input.spend.nanoUsd,
      input.spend.tokens,
    ]);
  }

  async renew(input: {
    userId: string;
    reservationId: string;
    heldScopes: readonly ScopeRef[];
    ceiling: Spend;
    expiresAt: number;
    ttlMs: number;
  }): Promise<void> {
    if (input.heldScopes.length === 0) return;
    await this.run(
      RENEW,
      input.heldScopes.map((s) => heldKey(input.userId, s.scope, s.scopeId)),
      [
        input.reservationId,
        `${input.ceiling.nanoUsd}:${input.ceiling.tokens}:${input.expiresAt}`,
        input.ttlMs,
      ],
    );
  }

  /** Forgets counters that may have missed a settlement, so the next check rebuilds them from the ledger. */
  async forget(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await withTimeout(this.redis.del(...keys), this.timeoutMs, 'dropping counters');
  }
}

export interface ScopeRef {
  scope: BudgetScope;
  scopeId: string;
}

/** The distinct scopes among some budgets, in order of first appearance. */
export function scopesOf(budgets: readonly ScopeRef[]): ScopeRef[] {
  const scopes: ScopeRef[] = [];
  for (const { scope, scopeId } of budgets) {
    if (!scopes.some((s) => s.scope === scope && s.scopeId === scopeId)) scopes.push({ scope, scopeId });
  }
  return scopes;
}
