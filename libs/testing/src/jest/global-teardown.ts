import { connect } from 'nats';
import { stopContainers } from './containers';

/**
 * Runs once after the integration suites: deletes the JetStream streams this run created (their names
 * start with the run's namespace), so runs on a shared NATS server do not pile up streams and memory.
 */
export default async function globalTeardown(): Promise<void> {
  await deleteRunStreams(process.env.NATS_URL, process.env.CONDUIT_TEST_RUN_ID);
  await stopContainers();
}

async function deleteRunStreams(natsUrl: string | undefined, runId: string | undefined): Promise<void> {
  if (!natsUrl || !runId) return;
  const connection = await connect({ servers: natsUrl, timeout: 2_000 }).catch(() => null);
  if (!connection) return;
  try {
    const manager = await connection.jetstreamManager();
    const names: string[] = [];
    for await (const info of manager.streams.list()) {
      if (info.config.name.startsWith(`t_${runId}_`)) names.push(info.config.name);
    }
    await Promise.all(names.map((name) => manager.streams.delete(name).catch(() => false)));
  } finally {
    await connection.close();
  }
}
