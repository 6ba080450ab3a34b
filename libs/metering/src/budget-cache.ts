import type { BudgetLimit } from '@conduit/contracts';

export interface BudgetCacheLimits {
  /** How long an entry is used after its read began. */
  ttlMs: number;
  /** Most users kept; the least recently used go first. */
  maxUsers: number;
}

interface Entry {
  budgets: readonly BudgetLimit[];
  expiresAt: number;
}

/**
 * Each user's own budgets (for themselves and for their API keys) as last read, so that admitting a
 * completion needs no query in the common case. Whoever changes a user's budgets must `invalidate` them
 * (on every replica: see BudgetChanges); entries also expire, in case such a notice is lost.
 *
 * Concurrent misses for one user share one read. A read still running when the user is invalidated
 * may have seen the rows before the change, so it answers its callers but is not kept.
 */
export class BudgetCache {
  /** In order of use, least recent first (a Map iterates in insertion order). */
  private readonly entries = new Map<string, Entry>();
  private readonly reads = new Map<string, Promise<readonly BudgetLimit[]>>();

  constructor(
    private readonly read: (userId: string) => Promise<readonly BudgetLimit[]>,
    private readonly limits: BudgetCacheLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get(userId: string): Promise<readonly BudgetLimit[]> {
    const entry = this.entries.get(userId);
    if (entry) {
      this.entries.delete(userId);
      if (entry.expiresAt > this.now()) {
        this.entries.set(userId, entry);
        return Promise.resolve(entry.budgets);
      }
    }
    return this.reads.get(userId) ?? this.startRead(userId);
  }

  invalidate(userId: string): void {
    this.entries.delete(userId);
    this.reads.delete(userId);
  }

  get size(): number {
    return this.entries.size;
  }

  private startRead(userId: string): Promise<readonly BudgetLimit[]> {
    const expiresAt = this.now() + this.limits.ttlMs;
    const stillCurrent = () => this.reads.get(userId) === reading;
    const reading: Promise<readonly BudgetLimit[]> = this.read(userId).then(
      (budgets) => {
        if (stillCurrent()) {
          this.reads.delete(userId);
          this.keep(userId, { budgets, expiresAt });
        }
        return budgets;
      },
      (error: unknown) => {
        if (stillCurrent()) this.reads.delete(userId);
        throw error;
      },
    );
    this.reads.set(userId, reading);
    return reading;
  }

  private keep(userId: string, entry: Entry): void {
    this.entries.set(userId, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxUsers) break;
      this.entries.delete(oldest);
    }
  }
}
