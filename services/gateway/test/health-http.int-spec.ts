import { randomBytes } from 'node:crypto';
import type * as FitSdk from '@garmin/fitsdk' with { 'resolution-mode': 'import' };
import { migrateServiceSchema } from '@conduit/db';
import { readSse, startServiceProcess, testEnv, waitFor, type ServiceProcess } from '@conduit/testing';
import {
  registerUser,
  startTestGateway,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { api, json } from './support/platform';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Encoder, Profile } = require('@garmin/fitsdk') as typeof FitSdk;

const WEBHOOK_SECRET = 'garmin-webhook-secret-for-tests-0123456789';
const MAX_UPLOAD = 256 * 1024;
const MAX_EXPORT = 512 * 1024;

/** A small activity FIT file made with the SDK's Encoder: heart rate once a second. */
function activity(start: Date, seconds: number): Uint8Array {
  const encoder = new Encoder();
  const write = (mesg: Record<string, unknown>) =>
    encoder.writeMesg(mesg as unknown as FitSdk.Encodable<FitSdk.Mesg>);
  write({
    mesgNum: Profile.MesgNum.FILE_ID,
    type: 'activity',
    manufacturer: 'development',
    product: 1,
    timeCreated: start,
  });
  for (let i = 0; i < seconds; i += 1) {
    write({
      mesgNum: Profile.MesgNum.RECORD,
      timestamp: new Date(start.getTime() + i * 1000),
      heartRate: 100 + (i % 20),
    });
  }
  return encoder.close();
}

/** A small Apple Health export.xml: three heart-rate readings on 2026-05-03 (UTC). */
const APPLE_EXPORT = `<?xml version="1.0" encoding="UTF-8"?>
<HealthData locale="en_GB">
 <ExportDate value="2026-05-04 08:00:00 +0000"/>
${[0, 1, 2]
  .map(
    (i) =>
      ` <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Apple Watch" unit="count/min" ` +
      `creationDate="2026-05-03 10:0${i}:00 +0000" startDate="2026-05-03 10:0${i}:00 +0000" ` +
      `endDate="2026-05-03 10:0${i}:00 +0000" value="${60 + i}"/>`,
  )
  .join('\n')}
</HealthData>
`;

function form(bytes: Uint8Array | string, filename: string): FormData {
  const body = new FormData();
  body.append('file', new Blob([typeof bytes === 'string' ? bytes : Buffer.from(bytes)]), filename);
  return body;
}

/**
 * Health data end to end: the gateway in-process, health-data as its own process (built `dist/`), NATS,
 * JetStream, Postgres for real. Uploads and webhooks are accepted into the durable stream before the 202.
 */
describe('health data over HTTP', () => {
  let gateway: TestGateway;
  let healthData: ServiceProcess;
  let healthEnv: Record<string, string>;
  let drop: () => Promise<void>;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => api(gateway.baseUrl, user.accessToken);
  const upload = (user: RegisteredUser, path: string, body: FormData) =>
    fetch(`${gateway.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}` },
      body,
    });
  const webhook = (path: string, body: unknown, secret?: string) =>
    fetch(`${gateway.baseUrl}/api/v1/health/garmin/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret ? { 'x-webhook-secret': secret } : {}) },
      body: JSON.stringify(body),
    });

  async function finished(user: RegisteredUser, id: string) {
    let seen: any;
    await waitFor(
      async () => {
        const response = await as(user)(`/api/v1/health/imports/${id}`);
        seen = response.status === 200 ? await json(response) : { status: response.status };
        return seen.status === 'succeeded' || seen.status === 'failed';
      },
      () => `import ${id} finished (last seen: ${JSON.stringify(seen)})`,
      60_000,
    );
    return seen;
  }

  beforeAll(async () => {
    gateway = await startTestGateway({
      GARMIN_WEBHOOK_SECRET: WEBHOOK_SECRET,
      HEALTH_UPLOAD_MAX_BYTES: MAX_UPLOAD,
      HEALTH_EXPORT_MAX_BYTES: MAX_EXPORT,
    });
    const schema = gateway.namespace.schemaFor('health-data');
    ({ drop } = await migrateServiceSchema('health-data', testEnv().databaseUrl, schema));
    healthEnv = {
      NATS_URL: gateway.config.NATS_URL,
      NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: schema,
      SHUTDOWN_GRACE_MS: '5000',
      HEALTH_WATCH_POLL_MS: '500',
      HEALTH_MASTER_KEY: randomBytes(32).toString('base64'),
    };
    healthData = await startServiceProcess('health-data', healthEnv);
    [alice, bob] = await Promise.all([registerUser(gateway.baseUrl), registerUser(gateway.baseUrl)]);
  });

  afterAll(async () => {
    await healthData?.stop(5_000);
    await gateway?.close();
    await drop?.();
  });

  it('takes a FIT upload with 202, ingests it, and serves it as a series to its owner only', async () => {
    const response = await upload(
      alice,
      '/api/v1/health/uploads/fit',
      form(activity(new Date('2026-05-01T07:00:00Z'), 300), 'run.fit'),
    );
    expect(response.status).toBe(202);
    const { importId, status } = await json(response);
    expect(status).toBe('queued');
    const done = await finished(alice, importId);
    expect(done).toMatchObject({ status: 'succeeded', filename: 'run.fit', samplesStored: 300 });

    const series = await json(
      await as(alice)(
        '/api/v1/health/metrics/heart_rate?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z&resolution=hourly',
      ),
    );
    expect(series).toMatchObject({
      metric: 'heart_rate',
      unit: 'bpm',
      aggregation: 'mean',
      resolution: 'hourly',
    });
    expect(series.points).toHaveLength(1);
    expect(series.points[0]).toMatchObject({
      start: '2026-05-01T07:00:00.000Z',
      count: 300,
      min: 100,
      max: 119,
    });

    // Bob sees neither the import nor the data.
    expect((await as(bob)(`/api/v1/health/imports/${importId}`)).status).toBe(404);
    expect((await as(bob)(`/api/v1/health/imports/${importId}/events`)).status).toBe(404);
    const bobs = await json(
      await as(bob)(
        '/api/v1/health/metrics/heart_rate?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z&resolution=raw',
      ),
    );
    expect(bobs.points).toEqual([]);
  });

  it('streams an import’s progress to its done over SSE', async () => {
    const response = await upload(
      alice,
      '/api/v1/health/uploads/fit',
      form(activity(new Date('2026-05-02T07:00:00Z'), 30), 'short.fit'),
    );
    const { importId } = await json(response);
    await finished(alice, importId);
    const events = await as(alice)(`/api/v1/health/imports/${importId}/events`);
    expect(events.status).toBe(200);
    const types: string[] = [];
    for await (const message of readSse(events.body)) {
      const event = JSON.parse(message.data);
      types.push(event.type);
      if (event.type === 'done') {
        expect(event).toMatchObject({ importId, status: 'succeeded', samplesStored: 30 });
        break;
      }
    }
    expect(types).toContain('done');
  });

  it('refuses uploads that are not FIT, too large, empty or not multipart with clear 4xx', async () => {
    expect(
      (await upload(alice, '/api/v1/health/uploads/fit', form('%PDF-1.7 not a fit file', 'x.fit'))).status,
    ).toBe(415);
    expect(
      (await upload(alice, '/api/v1/health/uploads/fit', form(new Uint8Array(MAX_UPLOAD + 1), 'big.fit')))
        .status,
    ).toBe(413);
    expect((await upload(alice, '/api/v1/health/uploads/fit', form('', 'empty.fit'))).status).toBe(400);
    expect((await as(alice)('/api/v1/health/uploads/fit', { body: { file: 'nope' } })).status).toBe(400);
    expect((await as(alice)('/api/v1/health/blood-tests', { body: { results: [] } })).status).toBe(400);
    expect(
      (await as(alice)('/api/v1/health/metrics/heart_rate?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z'))
        .status,
    ).toBe(400);
    expect(
      (await as(alice)('/api/v1/health/metrics/unicorns?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z'))
        .status,
    ).toBe(404);
    expect((await as(alice)('/api/v1/health/imports/not-a-uuid')).status).toBe(400);
    // Still serving.
    expect((await as(alice)('/api/v1/health/garmin/connection')).status).toBe(404);
  });

  it('takes an Apple Health export.xml with 202, ingests it for its owner only, and refuses what is not one', async () => {
    const response = await upload(
      alice,
      '/api/v1/health/uploads/apple-health',
      form(APPLE_EXPORT, 'export.xml'),
    );
    expect(response.status).toBe(202);
    const { importId } = await json(response);
    expect(await finished(alice, importId)).toMatchObject({ status: 'succeeded', samplesStored: 3 });
    const day = 'from=2026-05-03T00:00:00Z&to=2026-05-04T00:00:00Z&resolution=raw';
    const points = async (user: RegisteredUser) =>
      (await json(await as(user)(`/api/v1/health/metrics/heart_rate?${day}`))).points;
    expect((await points(alice)).map((p: { value: number }) => p.value)).toEqual([60, 61, 62]);
    expect(await points(bob)).toEqual([]);
    expect((await as(bob)(`/api/v1/health/imports/${importId}`)).status).toBe(404);

    const refused = await upload(
      alice,
      '/api/v1/health/uploads/apple-health',
      form('%PDF-1.7', 'export.xml'),
    );
    expect(refused.status).toBe(415);
    expect(await json(refused)).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE' });
    const tooLarge = await upload(
      alice,
      '/api/v1/health/uploads/apple-health',
      form(`<HealthData>${' '.repeat(MAX_EXPORT)}</HealthData>`, 'export.xml'),
    );
    expect(tooLarge.status).toBe(413);
    expect((await upload(alice, '/api/v1/health/uploads/apple-health', form('', 'export.xml'))).status).toBe(
      400,
    );
  });

  it('takes blood tests as a JSON body and as a CSV file', async () => {
    const sent = await as(alice)('/api/v1/health/blood-tests', {
      body: { results: [{ analyte: 'glucose', value: 5.5, unit: 'mmol/L', date: '2026-04-01' }] },
    });
    expect(sent.status).toBe(202);
    expect(await finished(alice, (await json(sent)).importId)).toMatchObject({
      status: 'succeeded',
      samplesStored: 1,
    });
    const csv = 'analyte,value,unit,date\nHDL,1.3,mmol/L,2026-04-01\nLDL,2.1,mmol/L,2026-04-01\n';
    const file = await upload(alice, '/api/v1/health/uploads/blood-tests', form(csv, 'lipids.csv'));
    expect(file.status).toBe(202);
    expect(await finished(alice, (await json(file)).importId)).toMatchObject({
      status: 'succeeded',
      samplesStored: 2,
    });
  });

  it('serves the overview and charts of its owner only, and refuses bad chart requests', async () => {
    const [carol, dave] = [await registerUser(gateway.baseUrl), await registerUser(gateway.baseUrl)];
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const sent = await as(carol)('/api/v1/health/blood-tests', {
      body: {
        results: [
          { analyte: 'glucose', value: 5.2, unit: 'mmol/L', date: day(20) },
          { analyte: 'glucose', value: 7.4, unit: 'mmol/L', date: day(2) },
        ],
      },
    });
    expect(await finished(carol, (await json(sent)).importId)).toMatchObject({ status: 'succeeded' });

    const overviewOf = async (user: RegisteredUser) => {
      const response = await as(user)('/api/v1/health/overview');
      expect(response.status).toBe(200);
      return json(response);
    };
    const carols = await overviewOf(carol);
    expect(carols.bloodMarkers).toEqual([
      expect.objectContaining({ metric: 'blood.glucose', unit: 'mg/dL', flag: 'high', direction: 'up' }),
    ]);
    expect(carols.bloodMarkers[0].value).toBeCloseTo(7.4 * 18.016, 0);
    const daves = await overviewOf(dave);
    expect(daves.bloodMarkers).toEqual([]);
    expect(daves.restingHeartRate).toMatchObject({ latest: null, average30: null });

    const chartOf = async (user: RegisteredUser, query = '') => {
      const response = await as(user)(`/api/v1/health/charts/blood.glucose.svg${query}`);
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: await response.text(),
      };
    };
    const mine = await chartOf(carol);
    expect(mine).toMatchObject({ status: 200, type: 'image/svg+xml; charset=utf-8' });
    expect(mine.body).toContain('<svg');
    expect(mine.body).toContain('133');
    const theirs = await chartOf(dave);
    expect(theirs.status).toBe(200);
    // The same chart without carol's two results: no values drawn, and none of hers in its text.
    expect(theirs.body).not.toEqual(mine.body);
    expect(theirs.body).not.toContain('133');

    expect((await as(carol)('/api/v1/health/charts/blood.glucose.png')).status).toBe(400);
    expect((await as(carol)('/api/v1/health/charts/Not-A-Metric.svg')).status).toBe(400);
    expect((await chartOf(carol, `?from=${day(1)}&to=${day(5)}`)).status).toBe(400);
    expect((await chartOf(carol, '?from=2020-01-01&to=2026-01-01')).status).toBe(400);
    expect((await as(carol)('/api/v1/health/overview?date=yesterday')).status).toBe(400);
    expect((await fetch(`${gateway.baseUrl}/api/v1/health/overview`)).status).toBe(401);
  });

  it("erases one source's data or all of it, for the caller only", async () => {
    const [erin, frank] = [await registerUser(gateway.baseUrl), await registerUser(gateway.baseUrl)];
    const labResults = {
      results: [
        { analyte: 'glucose', value: 5.1, unit: 'mmol/L', date: '2026-06-01' },
        { analyte: 'HDL', value: 1.4, unit: 'mmol/L', date: '2026-06-01' },
      ],
    };
    const imports: Record<string, string[]> = {};
    for (const user of [erin, frank]) {
      const lab = await as(user)('/api/v1/health/blood-tests', { body: labResults });
      const fit = await upload(
        user,
        '/api/v1/health/uploads/fit',
        form(activity(new Date('2026-06-01T07:00:00Z'), 60), 'ride.fit'),
      );
      imports[user.userId] = [(await json(lab)).importId, (await json(fit)).importId];
      for (const id of imports[user.userId]!) expect((await finished(user, id)).status).toBe('succeeded');
    }
    const pointsOf = async (user: RegisteredUser, metric: string) =>
      (
        await json(
          await as(user)(
            `/api/v1/health/metrics/${metric}?from=2026-06-01T00:00:00Z&to=2026-06-02T00:00:00Z&resolution=raw`,
          ),
        )
      ).points;
    const erase = (user: RegisteredUser, query = '') =>
      as(user)(`/api/v1/health/data${query}`, { method: 'DELETE' });

    const labOnly = await erase(erin, '?source=lab');
    expect(labOnly.status).toBe(200);
    expect(await json(labOnly)).toEqual({ samplesDeleted: 2, importsDeleted: 0, garminUnlinked: false });
    expect(await pointsOf(erin, 'blood.glucose')).toEqual([]);
    expect(await pointsOf(erin, 'heart_rate')).toHaveLength(60);

    const everything = await json(await erase(erin));
    expect(everything).toEqual({ samplesDeleted: 60, importsDeleted: 2, garminUnlinked: false });
    expect(await pointsOf(erin, 'heart_rate')).toEqual([]);
    expect((await as(erin)(`/api/v1/health/imports/${imports[erin.userId]![0]}`)).status).toBe(404);
    expect((await as(erin)('/api/v1/health/overview').then(json)).bloodMarkers).toEqual([]);

    // Frank's data is all still there.
    expect(await pointsOf(frank, 'blood.glucose')).toHaveLength(1);
    expect(await pointsOf(frank, 'heart_rate')).toHaveLength(60);
    expect((await as(frank)(`/api/v1/health/imports/${imports[frank.userId]![1]}`)).status).toBe(200);

    expect((await erase(erin, '?source=Not%20A%20Source')).status).toBe(400);
    expect((await erase(erin, '?everything=yes')).status).toBe(400);
    expect((await fetch(`${gateway.baseUrl}/api/v1/health/data`, { method: 'DELETE' })).status).toBe(401);
  });

  it('refuses Garmin notifications without the right secret, and ingests pushes for the linked user', async () => {
    expect((await webhook('push', { dailies: [] })).status).toBe(401);
    expect(
      (await webhook('push', { dailies: [] }, 'wrong-secret-of-the-same-length-0123456789')).status,
    ).toBe(401);
    expect((await webhook('push', { dailies: 'not a list' }, WEBHOOK_SECRET)).status).toBe(400);

    const linked = await as(alice)('/api/v1/health/garmin/connection', {
      method: 'PUT',
      body: { garminUserId: 'garmin-alice', accessToken: 'token' },
    });
    expect(linked.status).toBe(200);
    expect(await json(linked)).toMatchObject({ garminUserId: 'garmin-alice', hasAccessToken: true });
    const taken = await as(bob)('/api/v1/health/garmin/connection', {
      method: 'PUT',
      body: { garminUserId: 'garmin-alice' },
    });
    expect(taken.status).toBe(409);

    const daily = {
      userId: 'garmin-alice',
      calendarDate: '2026-04-10',
      startTimeInSeconds: Date.parse('2026-04-10T00:00:00Z') / 1000,
      durationInSeconds: 86_400,
      steps: 7_000,
    };
    const accepted = await webhook('push', { dailies: [daily] }, WEBHOOK_SECRET);
    expect(accepted.status).toBe(202);
    const steps = async (user: RegisteredUser) =>
      (
        await json(
          await as(user)('/api/v1/health/metrics/steps?from=2026-04-10T00:00:00Z&to=2026-04-11T00:00:00Z'),
        )
      ).points;
    await waitFor(async () => (await steps(alice)).length === 1, 'the pushed steps stored for alice');
    expect((await steps(alice))[0]).toMatchObject({ value: 7_000 });
    expect(await steps(bob)).toEqual([]);
  });

  it('accepts 1,000 records while health-data is down and stores each once when it is back', async () => {
    await healthData.stop(10_000);
    const day0 = Date.parse('2023-01-01T00:00:00Z');
    for (let batch = 0; batch < 20; batch += 1) {
      const dailies = Array.from({ length: 50 }, (_, i) => {
        const start = day0 + (batch * 50 + i) * 86_400_000;
        return {
          userId: 'garmin-alice',
          calendarDate: new Date(start).toISOString().slice(0, 10),
          startTimeInSeconds: start / 1000,
          durationInSeconds: 86_400,
          steps: 1_000 + i,
        };
      });
      const response = await webhook('push', { dailies }, WEBHOOK_SECRET);
      expect(response.status).toBe(202);
    }
    healthData = await startServiceProcess('health-data', healthEnv);
    const stored = async () =>
      (
        await json(
          await as(alice)(
            '/api/v1/health/metrics/steps?from=2023-01-01T00:00:00Z&to=2025-12-31T00:00:00Z&resolution=raw',
          ),
        )
      ).points.length;
    await waitFor(async () => (await stored()) === 1_000, 'all 1,000 days of steps stored', 120_000);
    expect(await stored()).toBe(1_000);
  });
});
