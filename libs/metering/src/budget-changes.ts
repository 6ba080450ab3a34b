import { Bus } from '@conduit/bus';
import { UsageContract } from '@conduit/contracts';
import { BudgetCache } from './budget-cache';

/**
 * Keeps this replica's {@link BudgetCache} in step with budget changes: the usage service announces each
 * change, and every replica of every metering service hears it (a plain subscription, not a queue group)
 * and drops that user's entry. Resolves once the server has taken the subscription, so nothing is admitted
 * before this replica listens; throws if the server refused it (a NATS user without the right), rather
 * than run without news.
 */
export async function listenForBudgetChanges(bus: Bus, cache: BudgetCache): Promise<void> {
  const def = UsageContract.budgetsChanged;
  const subscription = bus.subscribeEvent(def, ({ userId }) => cache.invalidate(userId));
  await bus.connection.flush();
  if (subscription.isClosed()) throw new Error(`the NATS server refused a subscription to ${def.subject}`);
}
