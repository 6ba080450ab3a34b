import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { isolatedNamespace, testEnv } from '@conduit/testing';
import type { BudgetLimit, Spend } from '@conduit/contracts';
import { BudgetCounters, counterKey, heldKey } from '../src/budget-counters';
import { periodWindow } from '../src/budget-period';

/** The Lua side of budget enforcement, against the real Redis. */
describe('budget counters and reservations in Redis', () => {
  const prefix = isolatedNamespace('chat').redisKeyPrefix;
  let redis: Redis;
  let counters: BudgetCounters;

  beforeAll(() => {
    redis = new Redis(testEnv().redisUrl, { keyPrefix: prefix });
    counters = new BudgetCounters(redis, 2_000);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(prefix.length)));
    await redis.quit();
  });

  const userBudget = (userId: string, over: Partial<BudgetLimit> = {}): BudgetLimit => ({
    scope: 'user',
    scopeId: userId,
    source: 'user',
    period: 'day',
    limitNanoUsd: 1_000,
    limitTokens: null,
    updatedAt: null,
    ...over,
  });

  function check(userId: string, budgets: BudgetLimit[], nanoUsd: number, options: { now?: number } = {}) {
    const now = options.now ?? Date.now();
    return {
      userId,
      budgets,
      windows: budgets.map((b) => periodWindow(b.period, new Date(now))),
      reservationId: randomUUID(),
      ceiling: { nanoUsd, tokens: 10 },
      now,
      ttlMs: 60_000,
    };
  }

  const ledger =
    (spend: Spend = { nanoUsd: 0, tokens: 0 }) =>
    async () =>
      spend;

  it('builds a missing counter from the ledger, then counts from it', async () => {
    const user = randomUUID();
    const rebuilt: number[] = [];
    const first = await counters.reserve(check(user, [userBudget(user)], 100), async (index) => {
      rebuilt.push(index);
      return { nanoUsd: 850, tokens: 40 };
    });
    expect(first).toEqual({ kind: 'held' });
    expect(rebuilt).toEqual([0]);
    // 850 spent + 100 held + 100 asked > 1000: refused, without asking the ledger again.
    const second = await counters.reserve(check(user, [userBudget(user)], 100), async () => {
      throw new Error('the counter exists: no rebuild');
    });
    expect(second).toEqual({
      kind: 'refused',
      budgetIndex: 0,
      limit: 'usd',
      spent: { nanoUsd: 850, tokens: 40 },
      held: { nanoUsd: 100, tokens: 10 },
    });
  });

  it('lets exactly as many concurrent reservations through as the limit holds', async () => {
    const user = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => counters.reserve(check(user, [userBudget(user)], 200), ledger())),
    );
    expect(results.filter((r) => r.kind === 'held')).toHaveLength(5);
    expect(results.filter((r) => r.kind === 'refused')).toHaveLength(15);
  });

  it('settling replaces the hold with the actual cost; releasing gives it all back', async () => {
    const user = randomUUID();
    const budgets = [userBudget(user)];
    const first = check(user, budgets, 600);
    expect(await counters.reserve(first, ledger())).toEqual({ kind: 'held' });
    expect((await counters.reserve(check(user, budgets, 600), ledger())).kind).toBe('refused');

    const window = periodWindow('day', new Date());
    await counters.settle({
      userId: user,
      reservationId: first.reservationId,
      heldScopes: [{ scope: 'user', scopeId: user }],
      counters: [{ scope: 'user', scopeId: user, window }],
      spend: { nanoUsd: 150, tokens: 7 },
    });
    expect(await redis.hmget(counterKey(user, 'user', user, window), 'usd', 'tok')).toEqual(['150', '7']);
    expect(await redis.hlen(heldKey(user, 'user', user))).toBe(0);

    const second = check(user, budgets, 850);
    expect(await counters.reserve(second, ledger())).toEqual({ kind: 'held' });
    await counters.settle({
      userId: user,
      reservationId: second.reservationId,
      heldScopes: [{ scope: 'user', scopeId: user }],
      counters: [],
      spend: { nanoUsd: 0, tokens: 0 },
    });
    expect(await counters.reserve(check(user, budgets, 850), ledger())).toEqual({ kind: 'held' });
  });

  it('a settlement leaves counters that do not exist alone, so they are built from the ledger later', async () => {
    const user = randomUUID();
    const window = periodWindow('month', new Date());
    await counters.settle({
      userId: user,
      reservationId: randomUUID(),
      heldScopes: [],
      counters: [{ scope: 'user', scopeId: user, window }],
      spend: { nanoUsd: 150, tokens: 7 },
    });
    expect(await redis.exists(counterKey(user, 'user', user, window))).toBe(0);
  });

  it('drops holds whose replica never settled them once they expire', async () => {
    const user = randomUUID();
    const budgets = [userBudget(user)];
    const now = Date.now();
    expect(await counters.reserve({ ...check(user, budgets, 900, { now }), ttlMs: 1_000 }, ledger())).toEqual(
      {
        kind: 'held',
      },
    );
    expect((await counters.reserve(check(user, budgets, 900, { now: now + 500 }), ledger())).kind).toBe(
      'refused',
    );
    expect(await counters.reserve(check(user, budgets, 900, { now: now + 1_001 }), ledger())).toEqual({
      kind: 'held',
    });
  });

  it('checks every budget: a key budget is held in its own scope, and token caps count too', async () => {
    const user = randomUUID();
    const key = randomUUID();
    const budgets: BudgetLimit[] = [
      userBudget(user, { limitNanoUsd: 10_000 }),
      { ...userBudget(user), scope: 'api_key', scopeId: key, limitNanoUsd: null, limitTokens: 25 },
    ];
    expect(await counters.reserve(check(user, budgets, 100), ledger())).toEqual({ kind: 'held' });
    expect(await counters.reserve(check(user, budgets, 100), ledger())).toEqual({ kind: 'held' });
    expect(await counters.reserve(check(user, budgets, 100), ledger())).toMatchObject({
      kind: 'refused',
      budgetIndex: 1,
      limit: 'tokens',
      held: { nanoUsd: 200, tokens: 20 },
    });
    // Without the key, the user's own budget alone still has room.
    expect(await counters.reserve(check(user, [budgets[0]!], 100), ledger())).toEqual({ kind: 'held' });
    expect(await redis.hlen(heldKey(user, 'api_key', key))).toBe(2);
    expect(await redis.hlen(heldKey(user, 'user', user))).toBe(3);
  });

  it('two budgets of one scope and period share one counter, built once', async () => {
    const user = randomUUID();
    const budgets = [userBudget(user), userBudget(user, { source: 'deployment', limitNanoUsd: 500 })];
    let builds = 0;
    const result = await counters.reserve(check(user, budgets, 100), async () => {
      builds += 1;
      return { nanoUsd: 450, tokens: 0 };
    });
    expect(result).toMatchObject({ kind: 'refused', budgetIndex: 1, spent: { nanoUsd: 450 } });
    expect(await redis.hget(counterKey(user, 'user', user, periodWindow('day', new Date())), 'usd')).toBe(
      '450',
    );
    expect(builds).toBeLessThanOrEqual(2);
  });

  it('a settlement during a rebuild is counted (by the ledger sum or the increment), never lost', async () => {
    const user = randomUUID();
    const budgets = [userBudget(user)];
    const window = periodWindow('day', new Date());
    const result = await counters.reserve(check(user, budgets, 100), async () => {
      // Another replica settles 300 between the counter's creation and the ledger read, which misses it.
      await counters.settle({
        userId: user,
        reservationId: randomUUID(),
        heldScopes: [],
        counters: [{ scope: 'user', scopeId: user, window }],
        spend: { nanoUsd: 300, tokens: 3 },
      });
      return { nanoUsd: 500, tokens: 5 };
    });
    expect(result).toEqual({ kind: 'held' });
    expect(await redis.hmget(counterKey(user, 'user', user, window), 'usd', 'tok', 'ready')).toEqual([
      '800',
      '8',
      '1',
    ]);
  });

  it('a new period starts from nothing', async () => {
    const user = randomUUID();
    const budgets = [userBudget(user)];
    const today = Date.parse('2026-03-31T23:59:59.000Z');
    const spentToday = { nanoUsd: 950, tokens: 0 };
    expect(
      (
        await counters.reserve(
          { ...check(user, budgets, 100, { now: today }), ttlMs: 500 },
          ledger(spentToday),
        )
      ).kind,
    ).toBe('refused');
    const tomorrow = today + 1_000;
    expect(
      await counters.reserve({ ...check(user, budgets, 100, { now: tomorrow }) }, async (index) => {
        expect(index).toBe(0);
        return { nanoUsd: 0, tokens: 0 };
      }),
    ).toEqual({ kind: 'held' });
  });
});
