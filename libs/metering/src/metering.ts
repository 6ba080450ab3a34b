import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { Bus } from '@conduit/bus';
import {
  UsageContract,
  type BudgetLimit,
  type Spend,
  type UsageQuantities,
  type UsageRecordedEvent,
} from '@conduit/contracts';
import { usdOfQuantities, type UnitPrices } from '@conduit/model-prices';
import { BudgetCache } from './budget-cache';
import { BudgetCounters, counterKey, scopesOf, type CheckResult, type ScopeRef } from './budget-counters';
import { budgetExceeded } from './budget-exceeded.error';
import { periodWindow, type PeriodWindow } from './budget-period';
import { LocalReservations } from './local-reservations';
import type { MeteringConfig } from './metering-config';
import { NANO_PER_USD, toNanoUsd } from './money';
import { UsageOutbox } from './usage-outbox';

/** Who a metered call is for: the user, and the API key the request came with (null for an access token). */
export interface MeteredCaller {
  userId: string;
  apiKeyId: string | null;
}

/** The most a call may consume, at the prices of the model that may serve it. */
export interface UsageEstimate {
  quantities: UsageQuantities;
  prices: UnitPrices;
}

/** What a call consumed, as the service that made it reports it. */
export interface MeteredUsage {
  /** Unique per call (a completion's stream id, say): the ledger counts each id once. */
  recordId: string;
  model: string;
  status: string;
  quantities: UsageQuantities;
  /** true when the provider reported nothing and the quantities are the service's estimate. */
  estimated: boolean;
  costUsd: number;
  reference: string | null;
}

/**
 * A call let through its budgets: it holds their worst case until `record` settles it to the actual
 * cost (publishing the usage record), or `release` gives it back (in the background). Only the first of
 * them counts; neither ever throws: losing a record must not fail the answer it describes.
 */
export interface Admission {
  record(usage: MeteredUsage): Promise<void>;
  release(): void;
}

const REPORT_EVERY_MS = 10_000;

/**
 * Usage and budget enforcement around any service's metered calls. Before the provider is called,
 * `admit` checks the caller's budgets (per user, per API key, and the deployment's per-user budget)
 * against spent + held + this call's worst case, atomically in Redis so every replica of every service
 * sees the same numbers, and holds that worst case; it throws BUDGET_EXCEEDED when any budget cannot take
 * it. When the call ends, `record` replaces the hold with the actual cost and publishes the usage record to
 * the durable stream the usage service writes its ledger from. Concurrent calls therefore never overspend
 * a budget by more than what they cost beyond their own worst case.
 *
 * Redis unavailable: budgets are checked against the ledger (asked of the usage service) instead, with
 * this replica's own holds; enforcement stays on, but concurrent calls on different replicas no longer
 * see each other's holds until Redis is back. Counters that may have missed a settlement meanwhile are
 * dropped once Redis answers again, and rebuilt from the ledger.
 */
export class Metering implements OnApplicationShutdown {
  private readonly logger = new Logger(Metering.name);
  private readonly counters: BudgetCounters;
  private readonly local = new LocalReservations();
  private readonly outbox: UsageOutbox;
  /** Counter keys to drop as soon as Redis answers: they may have missed a settlement. */
  private readonly staleCounters = new Set<string>();
  private lastRedisReport = 0;

  constructor(
    private readonly bus: Bus,
    redis: Redis,
    private readonly cache: BudgetCache,
    private readonly service: string,
    private readonly config: MeteringConfig,
  ) {
    this.counters = new BudgetCounters(redis, config.METERING_REDIS_TIMEOUT_MS);
    this.outbox = new UsageOutbox(bus, config.METERING_PUBLISH_ATTEMPTS);
  }

  /**
   * The budgets that apply to a caller, the most specific first after the deployment's: the key's, then
   * the user's own. Independent of the call, so callers may look them up early.
   */
  async budgetsFor(caller: MeteredCaller): Promise<BudgetLimit[]> {
    const owned = await this.cache.get(caller.userId);
    const deployment = owned.filter((b) => b.source === 'deployment');
    const keyBudget = owned.find(
      (b) => b.source === 'user' && b.scope === 'api_key' && b.scopeId === caller.apiKeyId,
    );
    const userBudget = owned.find((b) => b.source === 'user' && b.scope === 'user');
    return [...deployment, ...[keyBudget, userBudget].filter((b) => b !== undefined)];
  }

  /** @param estimates the worst case of each model that may serve the call; the dearest is held. */
  async admit(
    caller: MeteredCaller,
    estimates: readonly UsageEstimate[],
    applicable: Promise<BudgetLimit[]> = this.budgetsFor(caller),
  ): Promise<Admission> {
    const budgets = await applicable;
    const ceiling = ceilingOf(estimates);
    const reservationId = randomUUID();
    if (budgets.length > 0) {
      const now = Date.now();
      const windows = budgets.map((b) => periodWindow(b.period, new Date(now)));
      const result = await this.check({
        userId: caller.userId,
        budgets,
        windows,
        reservationId,
        ceiling,
        now,
      });
      if (result.kind === 'refused') {
        throw budgetExceeded(budgets[result.budgetIndex]!, windows[result.budgetIndex]!, result, ceiling);
      }
    }
    return new MeteredCall(this, { ...caller, reservationId, ceiling, heldScopes: scopesOf(budgets) });
  }

  /** Usage records not yet taken by JetStream (still being retried). */
  get unpublishedRecords(): number {
    return this.outbox.size;
  }

  onApplicationShutdown(): void {
    this.outbox.close();
  }

  /** @internal for {@link MeteredCall} */
  async settle(held: HeldReservation, usage: MeteredUsage | null): Promise<void> {
    const at = new Date();
    let spend: Spend = { nanoUsd: 0, tokens: 0 };
    if (usage) {
      spend = { nanoUsd: toNanoUsd(usage.costUsd), tokens: tokensOf(usage.quantities) };
      await this.outbox.deliver(this.recordOf(held, usage, at));
    }
    this.local.release(held.reservationId, spend);
    if (held.heldScopes.length === 0 && spend.nanoUsd === 0 && spend.tokens === 0) return;
    // Every counter this call's spend belongs to, budgeted or not, so a budget set later starts right.
    const counters = [
      { scope: 'user' as const, scopeId: held.userId },
      ...(held.apiKeyId ? [{ scope: 'api_key' as const, scopeId: held.apiKeyId }] : []),
    ].flatMap((s) =>
      (['day', 'month'] as const).map((period) => ({ ...s, window: periodWindow(period, at) })),
    );
    try {
      await this.redisCall(() =>
        this.counters.settle({
          userId: held.userId,
          reservationId: held.reservationId,
          heldScopes: held.heldScopes,
          counters,
          spend,
        }),
      );
    } catch (error) {
      this.reportRedisDown(error);
      if (spend.nanoUsd > 0 || spend.tokens > 0) {
        for (const c of counters)
          this.staleCounters.add(counterKey(held.userId, c.scope, c.scopeId, c.window));
      }
    }
  }

  /** @internal for {@link MeteredCall} */
  async renew(held: HeldReservation): Promise<void> {
    try {
      await this.redisCall(() =>
        this.counters.renew({
          userId: held.userId,
          reservationId: held.reservationId,
          heldScopes: held.heldScopes,
          ceiling: held.ceiling,
          expiresAt: Date.now() + this.reservationTtlMs,
          ttlMs: this.reservationTtlMs,
        }),
      );
    } catch (error) {
      this.reportRedisDown(error);
    }
  }

  get reservationTtlMs(): number {
    return this.config.METERING_RESERVATION_TTL_MS;
  }

  /** @internal for {@link MeteredCall}: settling never throws to the call it describes. */
  reportSettleFailure(error: unknown): void {
    this.logger.error(`could not settle a metered call: ${String(error)}`);
  }

  private recordOf(held: HeldReservation, usage: MeteredUsage, at: Date): UsageRecordedEvent {
    return {
      recordId: usage.recordId,
      userId: held.userId,
      apiKeyId: held.apiKeyId,
      service: this.service,
      model: usage.model,
      status: usage.status,
      quantities: usage.quantities,
      estimated: usage.estimated,
      costUsd: usage.costUsd,
      reference: usage.reference,
      occurredAt: at.toISOString(),
    };
  }

  private spentInLedger(userId: string, budget: BudgetLimit, window: PeriodWindow): Promise<Spend> {
    return this.bus.request(
      UsageContract.spent,
      {
        apiKeyId: budget.scope === 'api_key' ? budget.scopeId : null,
        from: window.start.toISOString(),
        to: window.end.toISOString(),
      },
      { userId },
    );
  }

  private async check(input: {
    userId: string;
    budgets: BudgetLimit[];
    windows: PeriodWindow[];
    reservationId: string;
    ceiling: Spend;
    now: number;
  }): Promise<CheckResult> {
    const { userId, budgets, windows } = input;
    const spentInLedger = (index: number) => this.spentInLedger(userId, budgets[index]!, windows[index]!);
    const scopes = scopesOf(budgets);
    const localScopes = scopes.map(localScopeKey);
    try {
      const result = await this.redisCall(() =>
        this.counters.reserve({ ...input, ttlMs: this.reservationTtlMs }, spentInLedger),
      );
      if (result.kind === 'held') this.local.hold(input.reservationId, localScopes, input.ceiling);
      return result;
    } catch (error) {
      this.reportRedisDown(error);
    }
    const readAt = this.local.beginLedgerRead();
    let result: CheckResult;
    try {
      const spends = await Promise.all(budgets.map((_, index) => spentInLedger(index)));
      result = this.checkAgainstLedger(budgets, spends, localScopes, { ...input, readAt });
    } finally {
      this.local.endLedgerRead(readAt);
    }
    if (result.kind === 'refused') {
      // A script that timed out may still have held the reservation: give it back (an admitted call's
      // settlement does the same).
      void this.redisCall(() =>
        this.counters.settle({
          userId,
          reservationId: input.reservationId,
          heldScopes: scopes,
          counters: [],
          spend: { nanoUsd: 0, tokens: 0 },
        }),
      ).catch(() => undefined);
    }
    return result;
  }

  /**
   * Without Redis: the ledger's spend and this replica's own holds. Synchronous from check to hold, so
   * concurrent checks on this replica see each other's holds.
   */
  private checkAgainstLedger(
    budgets: BudgetLimit[],
    spends: Spend[],
    scopes: string[],
    input: { reservationId: string; ceiling: Spend; readAt: number },
  ): CheckResult {
    const { ceiling } = input;
    for (const [index, budget] of budgets.entries()) {
      const spent = spends[index]!;
      const held = this.local.heldIn(localScopeKey(budget), input.readAt);
      if (
        budget.limitNanoUsd !== null &&
        spent.nanoUsd + held.nanoUsd + ceiling.nanoUsd > budget.limitNanoUsd
      ) {
        return { kind: 'refused', budgetIndex: index, limit: 'usd', spent, held };
      }
      if (budget.limitTokens !== null && spent.tokens + held.tokens + ceiling.tokens > budget.limitTokens) {
        return { kind: 'refused', budgetIndex: index, limit: 'tokens', spent, held };
      }
    }
    this.local.hold(input.reservationId, scopes, ceiling);
    return { kind: 'held' };
  }

  /** Runs a Redis operation, first dropping counters that went stale while Redis was away. */
  private async redisCall<T>(operation: () => Promise<T>): Promise<T> {
    if (this.staleCounters.size > 0) {
      const stale = [...this.staleCounters];
      await this.counters.forget(stale);
      for (const key of stale) this.staleCounters.delete(key);
    }
    return operation();
  }

  private reportRedisDown(error: unknown): void {
    const now = Date.now();
    if (now - this.lastRedisReport < REPORT_EVERY_MS) return;
    this.lastRedisReport = now;
    this.logger.warn(
      `budgets checked against the ledger only (no cross-replica holds): Redis unavailable: ${String(error)}`,
    );
  }
}

/** Tokens as budgets count them: input plus output. */
export function tokensOf(quantities: UsageQuantities): number {
  return (quantities.inputTokens ?? 0) + (quantities.outputTokens ?? 0);
}

/**
 * The worst case held against budgets: for the dearest estimate, in nano-USD rounded up (minus float
 * noise, so an exact price never rounds one nano-dollar too high), and the most tokens of any.
 */
export function ceilingOf(estimates: readonly UsageEstimate[]): Spend {
  let nanoUsd = 0;
  let tokens = 0;
  for (const { quantities, prices } of estimates) {
    const exact = usdOfQuantities(prices, quantities) * NANO_PER_USD;
    nanoUsd = Math.max(nanoUsd, Math.ceil(exact - 1e-6));
    tokens = Math.max(tokens, tokensOf(quantities));
  }
  return { nanoUsd, tokens };
}

interface HeldReservation extends MeteredCaller {
  reservationId: string;
  ceiling: Spend;
  /** Scopes whose budgets hold this reservation (none when the caller has no budget). */
  heldScopes: ScopeRef[];
}

function localScopeKey(scope: ScopeRef): string {
  return `${scope.scope}:${scope.scopeId}`;
}

/** One admitted call; renews its hold while it runs, settles once. */
class MeteredCall implements Admission {
  private settled: Promise<void> | null = null;
  private readonly renewal: NodeJS.Timeout | null;

  constructor(
    private readonly metering: Metering,
    private readonly held: HeldReservation,
  ) {
    this.renewal =
      held.heldScopes.length > 0
        ? setInterval(
            () => void metering.renew(held),
            Math.max(1_000, Math.floor(metering.reservationTtlMs / 3)),
          )
        : null;
    this.renewal?.unref();
  }

  record(usage: MeteredUsage): Promise<void> {
    return this.finish(usage);
  }

  release(): void {
    this.finish(null).catch(() => undefined);
  }

  private finish(usage: MeteredUsage | null): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.settled ??= this.metering.settle(this.held, usage).catch((error: unknown) => {
      this.metering.reportSettleFailure(error);
    });
    return this.settled;
  }
}
