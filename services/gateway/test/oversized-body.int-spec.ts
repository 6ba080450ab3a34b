import { migrateServiceSchema } from '@conduit/db';
import { isolatedNamespace, startServiceProcess, testEnv, type ServiceProcess } from '@conduit/testing';
import { TEST_JWT_SECRET } from './support/gateway-test-app';

const MB = 1_000_000;
const BODY_DRAIN_LIMIT_BYTES = 8 * MB;

/**
 * The gateway runs in its own process here, as deployed: in the test's own process the client always
 * reads the answer before the server's close is processed, which hides the fault.
 */
describe('request bodies over BODY_LIMIT_BYTES (1 MiB)', () => {
  let gateway: ServiceProcess;
  let dropSchema: () => Promise<void>;

  beforeAll(async () => {
    const namespace = isolatedNamespace('gateway');
    const env = testEnv();
    const schema = namespace.schemaFor('gateway');
    dropSchema = (await migrateServiceSchema('gateway', env.databaseUrl, schema)).drop;
    gateway = await startServiceProcess('gateway', {
      NATS_URL: env.natsUrl,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: env.redisUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
      JWT_SECRET: TEST_JWT_SECRET,
      PASSWORD_SCRYPT_N: '1024',
      BODY_DRAIN_LIMIT_BYTES: String(BODY_DRAIN_LIMIT_BYTES),
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await dropSchema?.();
  });

  const post = (body: RequestInit['body'], headers: Record<string, string> = {}) =>
    fetch(`${gateway.baseUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);

  it('answers a 5 MB body sent by fetch with 413 problem+json, every time', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      try {
        const response = await post(Buffer.alloc(5 * MB, 'a'));
        const problem = (await response.json()) as { code: string };
        outcomes.push(`${response.status} ${problem.code}`);
      } catch (error) {
        outcomes.push(`network error: ${String((error as Error).cause ?? error)}`);
      }
    }
    expect(outcomes).toEqual(Array(10).fill('413 PAYLOAD_TOO_LARGE'));
  });

  it('answers 413 to a 5 MB body streamed without a length', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 5 * MB) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await post(body);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('does not wait for a body declared larger than BODY_DRAIN_LIMIT_BYTES, and keeps serving', async () => {
    // Cut off rather than read: the client sees the answer or a reset, whichever its timing allows.
    const outcome = await post(Buffer.alloc(BODY_DRAIN_LIMIT_BYTES + MB, 'a')).then(
      (response) => response.status,
      () => 'reset',
    );
    expect([413, 'reset']).toContain(outcome);
    const health = await fetch(`${gateway.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it('keeps the connection usable after a drained 413', async () => {
    const first = await post(Buffer.alloc(2 * MB, 'a'));
    expect(first.status).toBe(413);
    await first.text();
    const next = await post(
      JSON.stringify({ email: 'after-413@example.test', password: 'correct horse battery' }),
    );
    expect(next.status).toBe(201);
  });
});
