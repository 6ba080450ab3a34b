import { GenericContainer, StartedTestContainer } from 'testcontainers';

// Kept on globalThis: global setup and teardown may load this module separately.
const holder = globalThis as { conduitTestContainers?: StartedTestContainer[] };
const started = (holder.conduitTestContainers ??= []);

/** Starts the missing pieces in containers (only called when a Docker engine answers). */
export async function startContainers(missing: readonly string[]): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  if (missing.includes('NATS_URL')) {
    const nats = await new GenericContainer('nats:2.10-alpine')
      .withCommand(['-js'])
      .withExposedPorts(4222)
      .start();
    started.push(nats);
    urls.NATS_URL = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
  }
  if (missing.includes('DATABASE_URL')) {
    const pg = await new GenericContainer('postgres:16-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'conduit_test' })
      .withExposedPorts(5432)
      .start();
    started.push(pg);
    urls.DATABASE_URL = `postgresql://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/conduit_test`;
  }
  if (missing.includes('REDIS_URL')) {
    const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    started.push(redis);
    urls.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
  }
  return urls;
}

export async function stopContainers(): Promise<void> {
  await Promise.all(started.splice(0).map((c) => c.stop()));
}
