import { Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { UsageContract } from '@conduit/contracts';
import { BudgetCache } from './budget-cache';

/**
 * Keeps every replica's {@link BudgetCache} in step with budget changes. The replica that changes a
 * user's budgets drops its own entry at once and announces the change; every replica receives the
 * announcement (a plain subscription, not the service's queue group) and drops its entry too.
 */
export class BudgetChanges {
  private readonly logger = new Logger(BudgetChanges.name);

  private constructor(
    private readonly bus: Bus,
    private readonly cache: BudgetCache,
  ) {}

  /**
   * Resolves once the server has taken the subscription, so the app serves nothing before it listens;
   * throws if the server refused it (a NATS user without the right), rather than run without news.
   */
  static async subscribe(bus: Bus, cache: BudgetCache): Promise<BudgetChanges> {
    const def = UsageContract.budgetsChanged;
    const subscription = bus.subscribeEvent(def, ({ userId }) => cache.invalidate(userId));
    await bus.connection.flush();
    if (subscription.isClosed()) throw new Error(`the NATS server refused a subscription to ${def.subject}`);
    return new BudgetChanges(bus, cache);
  }

  /** Call once a change is stored. Never throws: a replica that misses the news catches up as its entry expires. */
  async announce(userId: string): Promise<void> {
    this.cache.invalidate(userId);
    try {
      await this.bus.publish(UsageContract.budgetsChanged, { userId }, { userId });
    } catch (error) {
      this.logger.warn(
        `could not announce a budget change of ${userId}; other replicas see it when their copy expires: ${String(error)}`,
      );
    }
  }
}
