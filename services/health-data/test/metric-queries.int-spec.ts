import { ErrorCode, HealthDataContract, MAX_RAW_POINTS, type HealthSample } from '@conduit/contracts';
import { HealthSampleRepository } from '../src/samples/health-sample.repository';
import { startHealthDataForTest, type HealthDataTestApp } from './support/health-data-app';

const HOUR = 3_600_000;

function series(
  metric: string,
  unit: string,
  start: string,
  count: number,
  stepMs: number,
  value: (i: number) => number,
) {
  return Array.from({ length: count }, (_, i): HealthSample => {
    const at = new Date(Date.parse(start) + i * stepMs).toISOString();
    return { metric, startAt: at, endAt: at, value: value(i), unit, source: 'garmin-fit', recordKey: 'test' };
  });
}

describe('metric series', () => {
  let service: HealthDataTestApp;
  const alice = { userId: 'metrics-alice' };
  const bob = { userId: 'metrics-bob' };
  const query = (caller: { userId: string }, request: Record<string, unknown>) =>
    service.bus.request(HealthDataContract.queryMetric, request as never, caller);

  beforeAll(async () => {
    service = await startHealthDataForTest({ HEALTH_IMPORTER_ENABLED: 'false' });
    const samples = service.app.get(HealthSampleRepository);
    // Steps every hour for three days over the Berlin spring-forward night (2026-03-29).
    await samples.upsertSamples(
      alice.userId,
      series('steps', 'count', '2026-03-27T23:00:00Z', 72, HOUR, () => 100),
    );
    // Heart rate every minute for a week and a bit: several raw pages.
    await samples.upsertSamples(
      alice.userId,
      series('heart_rate', 'bpm', '2026-03-27T00:00:00Z', 10_500, 60_000, (i) => 60 + (i % 2) * 10),
    );
    await samples.upsertSamples(
      bob.userId,
      series('steps', 'count', '2026-03-28T00:00:00Z', 1, HOUR, () => 5),
    );
  });

  afterAll(async () => {
    await service?.close();
  });

  it('sums summed metrics and averages the others per UTC day, hour and week', async () => {
    const daily = await query(alice, {
      metric: 'steps',
      from: '2026-03-27T00:00:00Z',
      to: '2026-04-01T00:00:00Z',
    });
    expect(daily).toMatchObject({ unit: 'count', aggregation: 'sum', resolution: 'daily', tz: 'UTC' });
    expect(daily.points.map((p) => [p.start, p.value])).toEqual([
      ['2026-03-27T00:00:00.000Z', 100],
      ['2026-03-28T00:00:00.000Z', 2400],
      ['2026-03-29T00:00:00.000Z', 2400],
      ['2026-03-30T00:00:00.000Z', 2300],
    ]);
    const heartRate = await query(alice, {
      metric: 'heart_rate',
      from: '2026-03-27T00:00:00Z',
      to: '2026-03-27T02:00:00Z',
      resolution: 'hourly',
    });
    expect(heartRate.points.map((p) => [p.start, p.end, p.value, p.min, p.max, p.count])).toEqual([
      ['2026-03-27T00:00:00.000Z', '2026-03-27T01:00:00.000Z', 65, 60, 70, 60],
      ['2026-03-27T01:00:00.000Z', '2026-03-27T02:00:00.000Z', 65, 60, 70, 60],
    ]);
    const weekly = await query(alice, {
      metric: 'steps',
      from: '2026-03-23T00:00:00Z',
      to: '2026-04-06T00:00:00Z',
      resolution: 'weekly',
    });
    // Monday 23 March and Monday 30 March.
    expect(weekly.points.map((p) => [p.start, p.value])).toEqual([
      ['2026-03-23T00:00:00.000Z', 4900],
      ['2026-03-30T00:00:00.000Z', 2300],
    ]);
  });

  it('cuts days in a time zone, with the 23-hour day of a DST change', async () => {
    const berlin = await query(alice, {
      metric: 'steps',
      from: '2026-03-27T23:00:00Z',
      to: '2026-03-30T22:00:00Z',
      tz: 'Europe/Berlin',
    });
    expect(berlin.points.map((p) => [p.start, p.end, p.value])).toEqual([
      ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z', 2400],
      ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 2300],
      ['2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z', 2400],
    ]);
  });

  it('counts each day once over all sources, by the source precedence; source= reads one source', async () => {
    const day = (source: string, date: string, value: number): HealthSample => ({
      metric: 'steps',
      unit: 'count',
      value,
      source,
      startAt: `${date}T12:00:00.000Z`,
      endAt: `${date}T12:00:00.000Z`,
      recordKey: `day:${date}`,
    });
    const carol = { userId: 'metrics-carol' };
    const samples = service.app.get(HealthSampleRepository);
    await samples.upsertSamples(carol.userId, [
      // 2 June: all three report the day; Garmin's summary counts.
      day('garmin-api', '2026-06-02', 8_000),
      day('garmin-fit', '2026-06-02', 7_000),
      day('apple-health', '2026-06-02', 9_000),
      // 3 June: the watch's file and the phone; the file counts.
      day('garmin-fit', '2026-06-03', 6_000),
      day('apple-health', '2026-06-03', 6_500),
      // 4 June: the phone alone.
      day('apple-health', '2026-06-04', 5_000),
    ]);
    const range = { metric: 'steps', from: '2026-06-01T00:00:00Z', to: '2026-06-08T00:00:00Z' };
    const points = async (request: Record<string, unknown>) =>
      (await query(carol, { ...range, ...request })).points.map((p) => [p.start.slice(0, 10), p.value]);
    expect(await points({})).toEqual([
      ['2026-06-02', 8_000],
      ['2026-06-03', 6_000],
      ['2026-06-04', 5_000],
    ]);
    expect(await points({ resolution: 'weekly' })).toEqual([['2026-06-01', 19_000]]);
    // Days cut in another zone (from the hourly rollups) follow the same rule.
    expect((await points({ tz: 'America/New_York' })).map(([, value]) => value)).toEqual([
      8_000, 6_000, 5_000,
    ]);
    expect(await points({ source: 'apple-health' })).toEqual([
      ['2026-06-02', 9_000],
      ['2026-06-03', 6_500],
      ['2026-06-04', 5_000],
    ]);
    expect(await points({ source: 'garmin-fit', resolution: 'weekly' })).toEqual([['2026-06-01', 13_000]]);
  });

  it('pages raw samples', async () => {
    const from = '2026-03-27T00:00:00Z';
    const to = '2026-04-05T00:00:00Z';
    const first = await query(alice, { metric: 'heart_rate', from, to, resolution: 'raw' });
    expect(first.points).toHaveLength(MAX_RAW_POINTS);
    expect(first.points[0]).toMatchObject({
      start: '2026-03-27T00:00:00.000Z',
      value: 60,
      source: 'garmin-fit',
    });
    expect(first.nextFrom).not.toBeNull();
    let from2 = first.nextFrom;
    let rest = 0;
    for (let page = 0; from2 && page < 10; page += 1) {
      const next = await query(alice, { metric: 'heart_rate', from: from2, to, resolution: 'raw' });
      rest += next.points.length;
      from2 = next.nextFrom;
    }
    expect(MAX_RAW_POINTS + rest).toBe(10_500);
  });

  it('answers bad queries with typed errors', async () => {
    const range = { from: '2026-03-27T00:00:00Z', to: '2026-03-28T00:00:00Z' };
    await expect(query(alice, { metric: 'unicorns', ...range })).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(query(alice, { metric: 'Steps!', ...range })).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
    });
    await expect(query(alice, { metric: 'steps', ...range, tz: 'Mars/Olympus' })).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
    });
    await expect(query(alice, { metric: 'steps', from: range.to, to: range.from })).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
    });
    await expect(
      query(alice, {
        metric: 'steps',
        from: '2020-01-01T00:00:00Z',
        to: '2026-01-01T00:00:00Z',
        resolution: 'hourly',
      }),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(query(alice, { metric: 'steps', ...range, resolution: 'minutely' })).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
    });
  });

  it("never answers one user's series to another", async () => {
    const range = { metric: 'steps', from: '2026-03-27T00:00:00Z', to: '2026-04-01T00:00:00Z' };
    const bobs = await query(bob, range);
    expect(bobs.points.map((p) => p.value)).toEqual([5]);
    const raw = await query(bob, { ...range, metric: 'heart_rate', resolution: 'raw' });
    expect(raw.points).toEqual([]);
  });
});
