import { BudgetCache } from './budget-cache';
import type { BudgetLimit } from '@conduit/contracts';

const budget = (userId: string, limitTokens: number): BudgetLimit => ({
  scope: 'user',
  scopeId: userId,
  source: 'user',
  period: 'day',
  limitNanoUsd: null,
  limitTokens,
  updatedAt: null,
});

/** Stored budgets per user, and every read the cache makes of them. */
function store() {
  const rows = new Map<string, BudgetLimit[]>();
  const reads: string[] = [];
  const read = async (userId: string) => {
    reads.push(userId);
    return rows.get(userId) ?? [];
  };
  return { rows, reads, read };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('BudgetCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('reads a user once, then answers from memory until the entry expires', async () => {
    const { rows, reads, read } = store();
    const cache = new BudgetCache(read, { ttlMs: 30_000, maxUsers: 10 }, clock);
    rows.set('u1', [budget('u1', 100)]);
    expect(await cache.get('u1')).toEqual([budget('u1', 100)]);
    rows.set('u1', [budget('u1', 200)]);
    now += 29_999;
    expect(await cache.get('u1')).toEqual([budget('u1', 100)]);
    expect(reads).toEqual(['u1']);
    now += 1;
    expect(await cache.get('u1')).toEqual([budget('u1', 200)]);
    expect(reads).toEqual(['u1', 'u1']);
  });

  it('remembers that a user has no budgets', async () => {
    const { reads, read } = store();
    const cache = new BudgetCache(read, { ttlMs: 30_000, maxUsers: 10 }, clock);
    expect(await cache.get('none')).toEqual([]);
    expect(await cache.get('none')).toEqual([]);
    expect(reads).toEqual(['none']);
  });

  it("invalidating one user re-reads that user only and keeps everyone else's entry", async () => {
    const { rows, reads, read } = store();
    const cache = new BudgetCache(read, { ttlMs: 30_000, maxUsers: 10 }, clock);
    rows.set('u1', [budget('u1', 100)]);
    rows.set('u2', [budget('u2', 100)]);
    await cache.get('u1');
    await cache.get('u2');
    rows.set('u1', [budget('u1', 1)]);
    rows.set('u2', [budget('u2', 2)]);
    cache.invalidate('u1');
    expect(await cache.get('u1')).toEqual([budget('u1', 1)]);
    expect(await cache.get('u2')).toEqual([budget('u2', 100)]);
    expect(reads).toEqual(['u1', 'u2', 'u1']);
  });

  it('concurrent misses for one user share one read', async () => {
    const { rows, reads, read } = store();
    const cache = new BudgetCache(read, { ttlMs: 30_000, maxUsers: 10 }, clock);
    rows.set('u1', [budget('u1', 100)]);
    const answers = await Promise.all([cache.get('u1'), cache.get('u1'), cache.get('u1')]);
    expect(answers).toEqual([[budget('u1', 100)], [budget('u1', 100)], [budget('u1', 100)]]);
    expect(reads).toEqual(['u1']);
  });

  it('does not keep a read that was running when the user was invalidated: it may predate the change', async () => {
    const pending = [deferred<BudgetLimit[]>(), deferred<BudgetLimit[]>()];
    let call = 0;
    const cache = new BudgetCache(() => pending[call++]!.promise, { ttlMs: 30_000, maxUsers: 10 }, clock);
    const before = cache.get('u1');
    cache.invalidate('u1');
    // A caller after the change gets a read of its own, not the one that may have seen the old rows.
    const after = cache.get('u1');
    pending[0]!.resolve([budget('u1', 100)]);
    pending[1]!.resolve([budget('u1', 1)]);
    expect(await before).toEqual([budget('u1', 100)]);
    expect(await after).toEqual([budget('u1', 1)]);
    expect(await cache.get('u1')).toEqual([budget('u1', 1)]);
    expect(call).toBe(2);
  });

  it('keeps nothing from a failed read, and tries again on the next call', async () => {
    const { rows, read } = store();
    let fail = true;
    const cache = new BudgetCache(
      async (userId) => {
        if (fail) throw new Error('database unavailable');
        return read(userId);
      },
      { ttlMs: 30_000, maxUsers: 10 },
      clock,
    );
    await expect(cache.get('u1')).rejects.toThrow('database unavailable');
    fail = false;
    rows.set('u1', [budget('u1', 100)]);
    expect(await cache.get('u1')).toEqual([budget('u1', 100)]);
  });

  it('keeps at most maxUsers, dropping the least recently used first', async () => {
    const { reads, read } = store();
    const cache = new BudgetCache(read, { ttlMs: 30_000, maxUsers: 2 }, clock);
    await cache.get('a');
    await cache.get('b');
    await cache.get('a'); // now b is the least recently used
    await cache.get('c');
    expect(cache.size).toBe(2);
    reads.length = 0;
    await cache.get('a');
    await cache.get('c');
    expect(reads).toEqual([]);
    await cache.get('b');
    expect(reads).toEqual(['b']);
  });
});
