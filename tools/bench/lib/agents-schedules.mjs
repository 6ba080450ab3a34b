// The schedules phase of `npm run bench -- agents`: --schedules schedules of one agent, all due in the same
// minute, fired by two agents replicas with their scheduler on (the runs phase's replica keeps its off).
// The agent's model is the offline one, which answers at once, so what is measured is the scheduler:
// claiming, the runs' start and end, the notifications' storing and publishing. The schedules are created
// over the bus (cron `<minute> <hour> * * *`, UTC) with their slot far enough ahead for all of them to
// exist before it comes; `agents.notification.created` is heard on the bus, each event one fire. Measured:
// the time from the slot to each notification's event (p50, p99, last), and that each schedule fired
// exactly once (events, and the stored notifications' unread count).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pool, sleep } from './harness.mjs';
import { HarnessError, startService } from './platform.mjs';
import { fmtMs, percentile, table } from './stats.mjs';

export const SCHEDULES_TARGET_MS = 10_000;
const REPLICAS = 2;

/** The first whole minute at least `leadMs` from now. */
function slotAfter(leadMs) {
  const at = new Date(Date.now() + leadMs);
  at.setUTCSeconds(0, 0);
  at.setUTCMinutes(at.getUTCMinutes() + 1);
  return at;
}

/**
 * Runs the phase on the agents benchmark's platform (its bus, contracts, cleanup and the agents service's
 * environment); resolves with its verdict lines.
 */
export async function schedulesPhase(platform, options, log) {
  const { bus, contracts, cleanup, agentsEnv } = platform;
  const { AgentsContract, AgentsSchedulesContract } = contracts;
  const count = options.schedules;
  const replicas = [];
  for (let i = 0; i < REPLICAS; i++) {
    log(`starting scheduling agents replica ${i + 1}`);
    const replica = await startService('agents', { ...agentsEnv, AGENTS_SCHEDULER_ENABLED: 'true' });
    cleanup.add(`scheduling agents replica ${i + 1}`, () => replica.stop());
    replicas.push(replica);
  }
  const assertAlive = () => {
    for (const replica of replicas)
      if (!replica.alive()) throw new HarnessError(`agents died:\n${replica.output()}`);
  };

  const caller = { userId: `bench-schedules-${randomUUID()}` };
  const arrivals = new Map();
  let duplicates = 0;
  const subscription = bus.subscribeEvent(AgentsSchedulesContract.notificationCreated, (event) => {
    if (event.userId !== caller.userId) return;
    const scheduleId = event.notification.scheduleId;
    if (arrivals.has(scheduleId)) duplicates++;
    else arrivals.set(scheduleId, { at: Date.now(), status: event.notification.status });
  });
  try {
    const agent = await bus.request(AgentsContract.createAgent, { name: 'bench scheduled agent' }, caller);
    // Creating them takes a few seconds on a busy machine; the slot must come only once all exist.
    const slot = slotAfter(Math.max(20_000, count * 25));
    const cron = `${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`;
    log(`creating ${count} schedules due at ${slot.toISOString()} (cron "${cron}", UTC)`);
    const ids = new Set();
    const createStarted = performance.now();
    await pool(count, 32, async (i) => {
      const schedule = await bus.request(
        AgentsSchedulesContract.createSchedule,
        { agentId: agent.id, prompt: `scheduled ${i}`, cron, name: `bench ${i}` },
        caller,
      );
      ids.add(schedule.id);
    });
    const createSeconds = (performance.now() - createStarted) / 1000;
    if (Date.now() >= slot.getTime())
      throw new HarnessError(`creating the schedules took ${createSeconds.toFixed(1)} s, past their slot`);
    log(`created in ${createSeconds.toFixed(1)} s; waiting for ${slot.toISOString()}`);
    const deadline = slot.getTime() + SCHEDULES_TARGET_MS + 60_000;
    while (arrivals.size < count && Date.now() < deadline) {
      assertAlive();
      await sleep(100);
    }
    // Anything fired twice would still be arriving: give it a moment past the last one.
    await sleep(1_000);
    const delays = [...arrivals.values()].map((a) => a.at - slot.getTime());
    const failed = [...arrivals.values()].filter((a) => a.status !== 'succeeded').length;
    const unknown = [...arrivals.keys()].filter((id) => !ids.has(id)).length;
    const stored = await bus.request(AgentsSchedulesContract.listNotifications, { limit: 1 }, caller);
    const last = delays.length > 0 ? Math.max(...delays) : Number.POSITIVE_INFINITY;
    console.log(`\nschedules: ${count} due at ${slot.toISOString()}, ${REPLICAS} scheduling replicas`);
    console.log(
      table(
        ['fired', 'twice', 'failed runs', 'stored', 'slot → first event', 'p50', 'p99', 'last'],
        [
          [
            `${arrivals.size}/${count}`,
            String(duplicates),
            String(failed),
            String(stored.unreadCount),
            `${fmtMs(Math.min(...delays), 0)} ms`,
            `${fmtMs(percentile(delays, 50), 0)} ms`,
            `${fmtMs(percentile(delays, 99), 0)} ms`,
            `${fmtMs(last, 0)} ms`,
          ],
        ],
      ),
    );
    const once = arrivals.size === count && duplicates === 0 && unknown === 0 && stored.unreadCount === count;
    const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
    return [
      `${verdict(once)} each of ${count} schedules due in the same minute fired exactly once (${arrivals.size} fired, ${duplicates} twice, ${failed} runs failed)`,
      `${verdict(once && last <= SCHEDULES_TARGET_MS)} all ${count} fired within ${SCHEDULES_TARGET_MS / 1000} s of their slot (the last after ${fmtMs(last / 1000, 2)} s)`,
    ];
  } finally {
    subscription.unsubscribe();
  }
}
