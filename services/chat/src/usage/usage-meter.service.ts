import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { CompletionMessage, GenerationParams } from '@conduit/contracts';
import { InjectConfig, REDIS } from '@conduit/service-kit';
import type { ResolvedModel } from '../catalog/model-catalog';
import type { ChatConfig } from '../config';
import type { CompletionOutcome } from '../generation/completion-runner';
import { ModelRouter } from '../generation/routing/model-router';
import { periodWindow } from './budget-period';
import { ActiveBudget, BudgetPolicy } from './budget-policy';
import { BudgetCounters, counterKey, ScopeRef, scopesOf, type CheckResult } from './budget-counters';
import { budgetExceeded } from './budget-exceeded.error';
import { LocalReservations } from './local-reservations';
import { billableUsageOf, costCeilingOf, nanoUsdOf, tokensOf, type CostCeiling } from './request-cost';
import { UsageLedgerRepository, type Spend } from './usage-ledger.repository';

export interface AdmissionRequest {
  userId: string;
  apiKeyId: string | null;
  model: ResolvedModel;
  /** The prompt as it will be sent. */
  messages: readonly CompletionMessage[];
  params: GenerationParams;
}

export interface CompletedCall {
  streamId: string;
  messageId: string | null;
  outcome: CompletionOutcome;
}

/**
 * A completion let through its budgets: it holds their worst case until `record` settles it to the
 * actual cost (writing the ledger row), or `release` gives it back (in the background). Only the first
 * of them counts; neither ever throws: losing a ledger row must not fail the answer it describes.
 */
export interface Admission {
  record(call: CompletedCall): Promise<void>;
  release(): void;
}

const REPORT_EVERY_MS = 10_000;

/**
 * Usage and budget enforcement around every completion. Before the provider is called, `admit` checks
 * the caller's budgets (per user, per API key) against spent + held + this call's worst case, atomically
 * in Redis so every chat replica sees the same numbers, and holds that worst case; it throws
 * BUDGET_EXCEEDED when any budget cannot take it. When the completion ends, `record` writes its ledger
 * row and replaces the hold with the actual cost. Concurrent calls therefore never overspend a budget by
 * more than what they cost beyond their own worst case (zero, unless the prompt estimate was short).
 *
 * Redis unavailable: budgets are checked against the ledger in Postgres instead, with this replica's
 * own holds; enforcement stays on (spend is never unbounded), but concurrent calls on different
 * replicas no longer see each other's holds until Redis is back. Counters that may have missed a
 * settlement meanwhile are dropped once Redis answers again, and rebuilt from the ledger.
 */
@Injectable()
export class UsageMeter {
  private readonly logger = new Logger(UsageMeter.name);
  private readonly counters: BudgetCounters;
  private readonly local = new LocalReservations();
  /** Counter keys to drop as soon as Redis answers: they may have missed a settlement. */
  private readonly staleCounters = new Set<string>();
  private lastRedisReport = 0;

  constructor(
    private readonly policy: BudgetPolicy,
    private readonly ledger: UsageLedgerRepository,
    private readonly router: ModelRouter,
    @Inject(REDIS) redis: Redis,
    @InjectConfig() private readonly config: ChatConfig,
  ) {
    this.counters = new BudgetCounters(redis, config.CHAT_BUDGET_REDIS_TIMEOUT_MS);
  }

  /** The budgets that apply to a caller; independent of the request, so callers may look them up early. */
  budgetsFor(userId: string, apiKeyId: string | null): Promise<ActiveBudget[]> {
    return this.policy.applicable(userId, apiKeyId);
  }

  async admit(
    request: AdmissionRequest,
    applicable: Promise<ActiveBudget[]> = this.budgetsFor(request.userId, request.apiKeyId),
  ): Promise<Admission> {
    const { userId, apiKeyId } = request;
    const budgets = await applicable;
    const ceiling = costCeilingOf(this.router.candidates(request.model), request.messages, request.params);
    const reservationId = randomUUID();
    if (budgets.length > 0) {
      const now = Date.now();
      const windows = budgets.map((b) => periodWindow(b.period, new Date(now)));
      const result = await this.check({ userId, budgets, windows, reservationId, ceiling, now });
      if (result.kind === 'refused') {
        const budget = budgets[result.budgetIndex]!;
        throw budgetExceeded(budget, windows[result.budgetIndex]!, result, ceiling);
      }
    }
    return new MeteredCompletion(this, {
      userId,
      apiKeyId,
      reservationId,
      ceiling,
      heldScopes: scopesOf(budgets),
    });
  }

  /** @internal for {@link MeteredCompletion} */
  async settle(held: HeldReservation, call: CompletedCall | null): Promise<void> {
    const at = new Date();
    let spend = { nanoUsd: 0, tokens: 0 };
    if (call) {
      const billable = billableUsageOf(call.outcome);
      spend = { nanoUsd: nanoUsdOf(billable), tokens: tokensOf(billable.usage) };
      try {
        await this.ledger.insert({
          id: randomUUID(),
          userId: held.userId,
          apiKeyId: held.apiKeyId,
          streamId: call.streamId,
          messageId: call.messageId,
          model: call.outcome.model.info.id,
          status: call.outcome.status,
          usage: billable.usage,
          costUsd: billable.costUsd,
          createdAt: at,
        });
      } catch (error) {
        this.logger.error(`could not record the usage of stream ${call.streamId}: ${String(error)}`);
        spend = { nanoUsd: 0, tokens: 0 };
      }
    }
    // Only now that the ledger has the row: a check against the ledger never misses both.
    this.local.release(held.reservationId);
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

  /** @internal for {@link MeteredCompletion} */
  async renew(held: HeldReservation): Promise<void> {
    try {
      await this.redisCall(() =>
        this.counters.renew({
          userId: held.userId,
          reservationId: held.reservationId,
          heldScopes: held.heldScopes,
          ceiling: held.ceiling,
          expiresAt: Date.now() + this.config.CHAT_BUDGET_RESERVATION_TTL_MS,
          ttlMs: this.config.CHAT_BUDGET_RESERVATION_TTL_MS,
        }),
      );
    } catch (error) {
      this.reportRedisDown(error);
    }
  }

  get reservationTtlMs(): number {
    return this.config.CHAT_BUDGET_RESERVATION_TTL_MS;
  }

  private async check(input: {
    userId: string;
    budgets: ActiveBudget[];
    windows: ReturnType<typeof periodWindow>[];
    reservationId: string;
    ceiling: CostCeiling;
    now: number;
  }): Promise<CheckResult> {
    const { userId, budgets, windows } = input;
    const spentInLedger = (index: number) => {
      const budget = budgets[index]!;
      const window = windows[index]!;
      return this.ledger.spent(
        userId,
        budget.scope === 'api_key' ? budget.scopeId : null,
        window.start,
        window.end,
      );
    };
    const scopes = scopesOf(budgets);
    const localScopes = scopes.map(localScopeKey);
    try {
      const result = await this.redisCall(() =>
        this.counters.reserve({ ...input, ttlMs: this.config.CHAT_BUDGET_RESERVATION_TTL_MS }, spentInLedger),
      );
      if (result.kind === 'held') this.local.hold(input.reservationId, localScopes, input.ceiling);
      return result;
    } catch (error) {
      this.reportRedisDown(error);
    }
    const spends = await Promise.all(budgets.map((_, index) => spentInLedger(index)));
    const result = this.checkAgainstLedger(budgets, spends, localScopes, input);
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
    budgets: ActiveBudget[],
    spends: Spend[],
    scopes: string[],
    input: { reservationId: string; ceiling: CostCeiling },
  ): CheckResult {
    const { ceiling } = input;
    for (const [index, budget] of budgets.entries()) {
      const spent = spends[index]!;
      const held = this.local.heldIn(localScopeKey(budget));
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

interface HeldReservation {
  userId: string;
  apiKeyId: string | null;
  reservationId: string;
  ceiling: CostCeiling;
  /** Scopes whose budgets hold this reservation (none when the caller has no budget). */
  heldScopes: ScopeRef[];
}

function localScopeKey(scope: ScopeRef): string {
  return `${scope.scope}:${scope.scopeId}`;
}

/** One admitted completion; renews its hold while it runs, settles once. */
class MeteredCompletion implements Admission {
  private settled: Promise<void> | null = null;
  private readonly renewal: NodeJS.Timeout | null;

  constructor(
    private readonly meter: UsageMeter,
    private readonly held: HeldReservation,
  ) {
    this.renewal =
      held.heldScopes.length > 0
        ? setInterval(() => void meter.renew(held), Math.max(1_000, Math.floor(meter.reservationTtlMs / 3)))
        : null;
    this.renewal?.unref();
  }

  record(call: CompletedCall): Promise<void> {
    return this.finish(call);
  }

  release(): void {
    this.finish(null).catch(() => undefined);
  }

  private finish(call: CompletedCall | null): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.settled ??= this.meter.settle(this.held, call);
    return this.settled;
  }
}
