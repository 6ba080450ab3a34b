import { Resvg } from '@resvg/resvg-js';
import { Pool } from 'pg';
import { migrateServiceSchema } from '@conduit/db';
import { startServiceProcess, testEnv, type ServiceProcess } from '@conduit/testing';
import {
  registerUser,
  startTestGateway,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { api, json } from './support/platform';

const DAY = 86_400_000;
const TODAY = '2026-11-30';

/** Pixels of the daily line's blue (drawn at partial opacity) in the rendered chart. */
function bluePixels(svg: string): number {
  const image = new Resvg(svg, { fitTo: { mode: 'original' } }).render();
  let count = 0;
  for (let at = 0; at < image.pixels.length; at += 4) {
    const [r, g, b] = [image.pixels[at]!, image.pixels[at + 1]!, image.pixels[at + 2]!];
    if (b > 200 && b - r > 60 && b - g > 40) count += 1;
  }
  return count;
}

describe('GET /api/v1/health/overview and /api/v1/health/charts/:metric.svg', () => {
  let gateway: TestGateway;
  let healthData: ServiceProcess;
  let pool: Pool;
  let drop: () => Promise<void>;
  let alice: RegisteredUser;
  let bob: RegisteredUser;

  beforeAll(async () => {
    gateway = await startTestGateway();
    const infra = testEnv();
    const schema = gateway.namespace.schemaFor('health-data');
    ({ drop } = await migrateServiceSchema('health-data', infra.databaseUrl, schema));
    healthData = await startServiceProcess('health-data', {
      NATS_URL: gateway.config.NATS_URL,
      NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
      DATABASE_URL: infra.databaseUrl,
      DATABASE_SCHEMA: schema,
      HEALTH_IMPORTER_ENABLED: 'false',
    });
    alice = await registerUser(gateway.baseUrl);
    bob = await registerUser(gateway.baseUrl);
    // Alice's resting heart rate for the last 60 days, as the rollups keep it (the service writes them
    // from samples; this relay test puts them in place directly).
    pool = new Pool({ connectionString: infra.databaseUrl, options: `-c search_path="${schema}"`, max: 1 });
    const days = Array.from({ length: 60 }, (_, i) => new Date(Date.parse(TODAY) - i * DAY));
    await pool.query(
      `INSERT INTO rollups_daily (user_id, metric, source, bucket_start, count, sum, min, max)
       SELECT $1, 'resting_heart_rate', 'garmin-api', day, 1, 55, 55, 55 FROM unnest($2::timestamptz[]) AS day`,
      [alice.userId, days],
    );
  });

  afterAll(async () => {
    await pool?.end();
    await healthData?.stop();
    await drop?.();
    await gateway?.close();
  });

  it("answers the caller's overview as JSON", async () => {
    const response = await api(gateway.baseUrl, alice.accessToken)(`/api/v1/health/overview?date=${TODAY}`);
    expect(response.status).toBe(200);
    const overview = await json(response);
    expect(overview.restingHeartRate).toMatchObject({ average7: 55, average30: 55, direction: 'flat' });
    const bobs = await json(
      await api(gateway.baseUrl, bob.accessToken)(`/api/v1/health/overview?date=${TODAY}`),
    );
    expect(bobs.restingHeartRate).toMatchObject({ latest: null, average7: null });
  });

  it("draws the caller's own data only", async () => {
    const path = `/api/v1/health/charts/resting_heart_rate.svg?from=2026-10-01&to=${TODAY}`;
    const mine = await api(gateway.baseUrl, alice.accessToken)(path);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    const svg = await mine.text();
    expect(svg).toContain(
      '<title id="chart-title">Resting heart rate (bpm), 1 Oct 2026 to 30 Nov 2026</title>',
    );
    expect(bluePixels(svg)).toBeGreaterThan(100);

    const theirs = await api(gateway.baseUrl, bob.accessToken)(path);
    expect(theirs.status).toBe(200);
    const empty = await theirs.text();
    expect(empty).toContain('No data in this range');
    expect(bluePixels(empty)).toBe(0);
  });

  it('answers bad input with problem details, unknown metrics with 404, and strangers with 401', async () => {
    const asAlice = api(gateway.baseUrl, alice.accessToken);
    const problems = await Promise.all([
      asAlice('/api/v1/health/charts/resting_heart_rate.png'),
      asAlice('/api/v1/health/charts/Resting%20Heart.svg'),
      asAlice('/api/v1/health/charts/steps.svg?from=2026-13-01'),
      asAlice(`/api/v1/health/charts/steps.svg?from=${TODAY}&to=2026-01-01`),
      asAlice('/api/v1/health/charts/steps.svg?from=2020-01-01&to=2026-01-01'),
      asAlice('/api/v1/health/overview?date=tomorrow'),
      asAlice('/api/v1/health/overview?extra=1'),
    ]);
    for (const response of problems) {
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const unknown = await asAlice('/api/v1/health/charts/no_such_metric.svg');
    expect(unknown.status).toBe(404);
    expect((await fetch(`${gateway.baseUrl}/api/v1/health/overview`)).status).toBe(401);
    expect((await asAlice(`/api/v1/health/overview?date=${TODAY}`)).status).toBe(200);
  });
});
