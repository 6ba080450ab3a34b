import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError, ErrorCode, HealthDataContract } from '@conduit/contracts';
import { UnreadableCiphertextError } from '@conduit/envelope-crypto';
import { waitFor } from '@conduit/testing';
import { GarminConnectionRepository } from '../src/garmin/garmin-connection.repository';
import { startHealthDataForTest, type HealthDataTestApp } from './support/health-data-app';
import { finishedImport, sampleCount, sendImport } from './support/imports';

/** A local Garmin Health API: answers summary pulls for one access token, and 503 once when asked. */
class FakeGarminApi {
  readonly requests: { path: string; query: URLSearchParams; authorization: string | undefined }[] = [];
  summaries: Record<string, unknown[]> = {};
  failNext = 0;
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((request: IncomingMessage, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      this.requests.push({
        path: url.pathname,
        query: url.searchParams,
        authorization: request.headers.authorization,
      });
      if (this.failNext > 0) {
        this.failNext -= 1;
        response.writeHead(503, { 'content-type': 'application/json' }).end('{"errorMessage":"busy"}');
        return;
      }
      if (request.headers.authorization !== 'Bearer token-of-g1') {
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"errorMessage":"invalid token"}');
        return;
      }
      const type = url.pathname.split('/').pop() ?? '';
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(this.summaries[type] ?? []));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/wellness-api/rest`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const daily = (steps: number, heartRates: Record<string, number> = {}) => ({
  userId: 'g1',
  userAccessToken: 'token-of-g1',
  summaryId: `x-${steps}`,
  calendarDate: '2026-03-20',
  startTimeInSeconds: Date.parse('2026-03-20T05:00:00Z') / 1000,
  startTimeOffsetInSeconds: -18_000,
  durationInSeconds: 86_400,
  steps,
  distanceInMeters: steps * 0.8,
  activeKilocalories: 300,
  restingHeartRateInBeatsPerMinute: 52,
  averageStressLevel: 31,
  timeOffsetHeartRateSamples: heartRates,
});

describe('Garmin Health API notifications', () => {
  let service: HealthDataTestApp;
  const garmin = new FakeGarminApi();

  beforeAll(async () => {
    const baseUrl = await garmin.start();
    service = await startHealthDataForTest({
      GARMIN_API_BASE_URL: baseUrl,
      HEALTH_IMPORT_RETRY_BASE_MS: '50',
    });
    await service.bus.request(
      HealthDataContract.connectGarmin,
      { garminUserId: 'g1', accessToken: 'token-of-g1' },
      { userId: 'garmin-user-1' },
    );
  });

  afterAll(async () => {
    await service?.close();
    await garmin.stop();
  });

  const values = async (userId: string, metric: string) =>
    (
      await service.pool.query<{ value: number; record_key: string }>(
        `SELECT value, record_key FROM samples WHERE user_id = $1 AND metric = $2 ORDER BY start_at`,
        [userId, metric],
      )
    ).rows.map((r) => r.value);

  it('links one Garmin user to one user and never shows the token', async () => {
    await expect(
      service.bus.request(HealthDataContract.getGarminConnection, {}, { userId: 'garmin-user-1' }),
    ).resolves.toMatchObject({ garminUserId: 'g1', hasAccessToken: true });
    const taken = service.bus.request(
      HealthDataContract.connectGarmin,
      { garminUserId: 'g1' },
      { userId: 'someone-else' },
    );
    await expect(taken).rejects.toMatchObject({ code: ErrorCode.Conflict });
    const none = service.bus.request(HealthDataContract.getGarminConnection, {}, { userId: 'someone-else' });
    await expect(none).rejects.toBeInstanceOf(DomainError);
    await expect(none).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('stores the access token encrypted, bound to its user and Garmin user', async () => {
    const { rows } = await service.pool.query<{ access_token: string | null; access_token_sealed: Buffer }>(
      `SELECT access_token, access_token_sealed FROM garmin_connections WHERE garmin_user_id = 'g1'`,
    );
    expect(rows[0]!.access_token).toBeNull();
    expect(rows[0]!.access_token_sealed.includes(Buffer.from('token-of-g1'))).toBe(false);
    const keys = await service.pool.query(`SELECT 1 FROM user_data_keys WHERE user_id = 'garmin-user-1'`);
    expect(keys.rowCount).toBe(1);
    // Moved to another link, the sealed token does not open.
    await service.pool.query(
      `INSERT INTO garmin_connections (garmin_user_id, user_id, access_token_sealed) VALUES ('g-moved', 'garmin-user-1b', $1)`,
      [rows[0]!.access_token_sealed],
    );
    await expect(service.app.get(GarminConnectionRepository).findByGarminUser('g-moved')).rejects.toThrow(
      UnreadableCiphertextError,
    );
    // Showing the link does not need the token.
    await expect(
      service.bus.request(HealthDataContract.getGarminConnection, {}, { userId: 'garmin-user-1b' }),
    ).resolves.toMatchObject({ garminUserId: 'g-moved', hasAccessToken: true });
    await service.pool.query(`DELETE FROM garmin_connections WHERE garmin_user_id = 'g-moved'`);
  });

  it('encrypts at start-up a token an earlier version stored in plaintext, and reads it meanwhile', async () => {
    await service.pool.query(
      `INSERT INTO garmin_connections (garmin_user_id, user_id, access_token) VALUES ('g-legacy', 'legacy-user', 'legacy-token')`,
    );
    const connections = () => service.app.get(GarminConnectionRepository);
    await expect(connections().findByGarminUser('g-legacy')).resolves.toMatchObject({
      accessToken: 'legacy-token',
    });
    await service.stop();
    await service.restart();
    await waitFor(async () => {
      const { rows } = await service.pool.query(
        `SELECT 1 FROM garmin_connections WHERE garmin_user_id = 'g-legacy' AND access_token IS NULL AND access_token_sealed IS NOT NULL`,
      );
      return rows.length === 1;
    }, 'the plaintext token encrypted at start-up');
    await expect(connections().findByGarminUser('g-legacy')).resolves.toMatchObject({
      userId: 'legacy-user',
      accessToken: 'legacy-token',
    });
    await service.pool.query(`DELETE FROM garmin_connections WHERE garmin_user_id = 'g-legacy'`);
  });

  it('stores pushed summaries for the linked user; a later revision of the day replaces the earlier', async () => {
    const push = {
      dailies: [daily(4000, { '0': 58, '900': 61 })],
      sleeps: [
        {
          userId: 'g1',
          summaryId: 's1',
          calendarDate: '2026-03-20',
          startTimeInSeconds: Date.parse('2026-03-20T03:30:00Z') / 1000,
          durationInSeconds: 27_000,
          deepSleepDurationInSeconds: 5_400,
          lightSleepDurationInSeconds: 14_400,
          remSleepInSeconds: 5_400,
          awakeDurationInSeconds: 1_800,
          overallSleepScore: { value: 84, qualifierKey: 'GOOD' },
        },
      ],
      hrv: [
        { userId: 'g1', calendarDate: '2026-03-20', startTimeInSeconds: 1_774_000_000, lastNightAvg: 44 },
      ],
      bodyComps: [
        {
          userId: 'g1',
          summaryId: 'b1',
          measurementTimeInSeconds: 1_774_000_000,
          weightInGrams: 71_500,
          bodyFatInPercent: 18.5,
        },
      ],
      userMetrics: [{ userId: 'g1', calendarDate: '2026-03-20', vo2Max: 51, trainingReadiness: 73 }],
      stressDetails: [
        {
          userId: 'g1',
          calendarDate: '2026-03-20',
          startTimeInSeconds: 1_774_000_000,
          timeOffsetStressLevelValues: { '0': 20, '180': -1, '360': 35 },
        },
      ],
    };
    const row = await finishedImport(
      service,
      await sendImport(service, 'garmin-push', JSON.stringify(push), null),
    );
    expect(row).toMatchObject({ status: 'succeeded', rejected_count: 0, user_id: '' });
    expect(await values('garmin-user-1', 'steps')).toEqual([4000]);
    expect(await values('garmin-user-1', 'heart_rate')).toEqual([58, 61]);
    expect(await values('garmin-user-1', 'sleep_duration')).toEqual([25_200]);
    expect(await values('garmin-user-1', 'sleep_score')).toEqual([84]);
    expect(await values('garmin-user-1', 'hrv_rmssd')).toEqual([44]);
    expect(await values('garmin-user-1', 'weight')).toEqual([71.5]);
    expect(await values('garmin-user-1', 'vo2max')).toEqual([51]);
    expect(await values('garmin-user-1', 'training_readiness')).toEqual([73]);
    expect(await values('garmin-user-1', 'stress')).toEqual([31, 20, 35]);

    // Later that day: more steps, and the heart rate samples of the whole day so far.
    const revised = { dailies: [daily(9000, { '0': 58, '900': 61, '1800': 64 })] };
    await finishedImport(service, await sendImport(service, 'garmin-push', JSON.stringify(revised), null));
    expect(await values('garmin-user-1', 'steps')).toEqual([9000]);
    expect(await values('garmin-user-1', 'heart_rate')).toEqual([58, 61, 64]);
  });

  it('rejects summaries of unlinked users and unreadable ones, and fails what is not JSON', async () => {
    const push = {
      dailies: [
        { ...daily(100), userId: 'stranger' },
        { ...daily(100), calendarDate: undefined },
      ],
      somethingElse: [{}],
    };
    const row = await finishedImport(
      service,
      await sendImport(service, 'garmin-push', JSON.stringify(push), null),
    );
    expect(row.status).toBe('failed');
    expect(row.rejections).toEqual([
      { item: 'somethingElse', reason: 'not a summary type this service reads' },
      { item: 'dailies[0]', reason: 'no user is linked to Garmin user stranger' },
      { item: 'dailies[1]', reason: 'no calendarDate (YYYY-MM-DD)' },
    ]);
    const notJson = await finishedImport(
      service,
      await sendImport(service, 'garmin-push', 'dailies=1', null),
    );
    expect(notJson).toMatchObject({ status: 'failed', failure_reason: 'the notification is not JSON' });
  });

  it('pulls the summaries a ping names from the configured API, trying again when it is busy', async () => {
    garmin.summaries = { dailies: [{ ...daily(12_000), calendarDate: '2026-03-21' }] };
    garmin.failNext = 1;
    const ping = {
      dailies: [
        {
          userId: 'g1',
          userAccessToken: 'ignored-when-linked-with-a-token',
          uploadStartTimeInSeconds: 1_774_000_000,
          uploadEndTimeInSeconds: 1_774_086_400,
          callbackURL: 'https://elsewhere.example/never-called',
        },
      ],
    };
    const row = await finishedImport(
      service,
      await sendImport(service, 'garmin-ping', JSON.stringify(ping), null),
    );
    expect(row).toMatchObject({ status: 'succeeded', rejected_count: 0 });
    const pulls = garmin.requests.filter((r) => r.path === '/wellness-api/rest/dailies');
    expect(pulls.length).toBe(2);
    expect(pulls[1]!.authorization).toBe('Bearer token-of-g1');
    expect(pulls[1]!.query.get('uploadStartTimeInSeconds')).toBe('1774000000');
    expect(await values('garmin-user-1', 'steps')).toEqual([9000, 12_000]);
  });

  it('keeps one user out of another user’s Garmin data', async () => {
    expect(await sampleCount(service, 'someone-else')).toBe(0);
    const other = service.bus.request(
      HealthDataContract.queryMetric,
      { metric: 'steps', from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', resolution: 'daily' },
      { userId: 'someone-else' },
    );
    await expect(other).resolves.toMatchObject({ points: [] });
  });

  it("erasing everything of a user drops their data key too, and no one else's", async () => {
    const user = { userId: 'garmin-user-erased' };
    await service.bus.request(
      HealthDataContract.connectGarmin,
      { garminUserId: 'g-erased', accessToken: 'token-of-g-erased' },
      user,
    );
    const keysOf = async (userId: string) =>
      (await service.pool.query(`SELECT 1 FROM user_data_keys WHERE user_id = $1`, [userId])).rowCount;
    expect(await keysOf(user.userId)).toBe(1);

    await expect(service.bus.request(HealthDataContract.eraseData, {}, user)).resolves.toMatchObject({
      garminUnlinked: true,
    });
    expect(await keysOf(user.userId)).toBe(0);
    expect(await keysOf('garmin-user-1')).toBe(1);
  });
});
