import { HealthDataContract } from '@conduit/contracts';
import { activityFit, monitoringFit, sleepFit } from '../src/fit/fit-file.generator';
import { startHealthDataForTest, type HealthDataTestApp } from './support/health-data-app';
import { finishedImport, sampleCount, sendImport } from './support/imports';

describe('FIT imports', () => {
  let service: HealthDataTestApp;

  beforeAll(async () => {
    service = await startHealthDataForTest();
  });

  afterAll(async () => {
    await service?.close();
  });

  const values = async (userId: string, metric: string) =>
    (
      await service.pool.query<{ value: number; start_at: Date; record_key: string }>(
        `SELECT value, start_at, record_key FROM samples WHERE user_id = $1 AND metric = $2 ORDER BY start_at`,
        [userId, metric],
      )
    ).rows;

  it('stores an activity: records, laps, session totals and developer fields', async () => {
    const start = new Date('2026-03-29T00:30:00Z');
    const file = activityFit({ start, records: 600, laps: 3, developerField: true, offsetSeconds: 7200 });
    const id = await sendImport(service, 'fit', file, 'fit-user-1', 'run.fit');
    const row = await finishedImport(service, id);
    expect(row).toMatchObject({ status: 'succeeded', rejected_count: 0, processed: 1, total: 1 });
    expect(await values('fit-user-1', 'heart_rate')).toHaveLength(600);
    expect(await values('fit-user-1', 'lap_duration')).toHaveLength(3);
    expect((await values('fit-user-1', 'distance')).map((r) => r.value)).toEqual([1800]);
    const developer = await values('fit-user-1', 'dev.core_temperature');
    expect(developer).toHaveLength(600);
    expect(developer[0]!.value).toBeCloseTo(37, 3);
    // The import is the caller's to read.
    await expect(
      service.bus.request(HealthDataContract.getImport, { id }, { userId: 'fit-user-1' }),
    ).resolves.toMatchObject({ status: 'succeeded', samplesStored: row.samples_stored, filename: 'run.fit' });
  });

  it('stores the same file twice once, and a revised activity replaces the earlier one whole', async () => {
    const start = new Date('2026-04-01T06:00:00Z');
    const file = activityFit({ start, records: 120 });
    await finishedImport(service, await sendImport(service, 'fit', file, 'fit-user-2'));
    await finishedImport(service, await sendImport(service, 'fit', file, 'fit-user-2'));
    expect(await values('fit-user-2', 'heart_rate')).toHaveLength(120);
    // The revision has 60 records (trimmed) at another heart rate.
    const revised = activityFit({ start, records: 60, heartRate: () => 77 });
    await finishedImport(service, await sendImport(service, 'fit', revised, 'fit-user-2'));
    const heartRates = await values('fit-user-2', 'heart_rate');
    expect(heartRates).toHaveLength(60);
    expect(new Set(heartRates.map((r) => r.value))).toEqual(new Set([77]));
  });

  it('keeps records without a heart rate and skips only the missing field', async () => {
    const file = activityFit({
      start: new Date('2026-04-02T06:00:00Z'),
      records: 20,
      heartRate: (second) => (second % 2 === 0 ? 90 : undefined),
    });
    const row = await finishedImport(service, await sendImport(service, 'fit', file, 'fit-user-3'));
    expect(row.status).toBe('succeeded');
    expect(await values('fit-user-3', 'heart_rate')).toHaveLength(10);
    expect(await values('fit-user-3', 'power')).toHaveLength(20);
  });

  it('keys a sleep across midnight by the local day it ends on, and a revised night replaces it', async () => {
    // 23:10 to 06:40 in UTC+10:30 (Adelaide summer time): the night ends on local 2026-01-16.
    const at = (iso: string) => new Date(iso);
    const night = [
      { at: at('2026-01-15T12:40:00Z'), level: 'light' as const },
      { at: at('2026-01-15T13:40:00Z'), level: 'deep' as const },
      { at: at('2026-01-15T15:10:00Z'), level: 'rem' as const },
      { at: at('2026-01-15T16:10:00Z'), level: 'awake' as const },
      { at: at('2026-01-15T16:20:00Z'), level: 'light' as const },
      { at: at('2026-01-15T20:10:00Z'), level: 'awake' as const },
    ];
    const file = sleepFit(night, { offsetSeconds: 37_800, score: 81 });
    await finishedImport(service, await sendImport(service, 'fit', file, 'fit-user-4'));
    const duration = await values('fit-user-4', 'sleep_duration');
    // Asleep: light 1 h, deep 1.5 h, REM 1 h, light 3 h 50 (the 10 minutes awake do not count).
    expect(duration.map((r) => [r.record_key, r.value])).toEqual([['sleep:2026-01-16', 26_400]]);
    expect((await values('fit-user-4', 'sleep_deep')).map((r) => r.value)).toEqual([5400]);
    expect((await values('fit-user-4', 'sleep_score')).map((r) => r.value)).toEqual([81]);
    // The watch re-scores the night with the deep phase shorter: one night, the newest figures.
    const revised = sleepFit(
      [night[0]!, { ...night[1]!, at: at('2026-01-15T14:10:00Z') }, ...night.slice(2)],
      { offsetSeconds: 37_800, score: 79 },
    );
    await finishedImport(service, await sendImport(service, 'fit', revised, 'fit-user-4'));
    expect((await values('fit-user-4', 'sleep_deep')).map((r) => r.value)).toEqual([3600]);
    expect((await values('fit-user-4', 'sleep_light')).map((r) => r.value)).toEqual([5400, 13_800]);
    expect((await values('fit-user-4', 'sleep_score')).map((r) => r.value)).toEqual([79]);
  });

  it('turns daily monitoring into heart rate, step increases and measured stress, keyed by local day', async () => {
    // Starts 23:00 UTC; in UTC-5 that is still the 14th.
    const file = monitoringFit(new Date('2026-03-14T23:00:00Z'), 8, -5 * 3600);
    await finishedImport(service, await sendImport(service, 'fit', file, 'fit-user-5'));
    const steps = await values('fit-user-5', 'steps');
    expect(steps.map((r) => r.value)).toEqual([100, 100, 100, 100, 100, 100, 100, 100]);
    expect(new Set(steps.map((r) => r.record_key))).toEqual(new Set(['day:2026-03-14:walking']));
    expect(await values('fit-user-5', 'heart_rate')).toHaveLength(8);
    // Unmeasured stress (-1) is left out.
    expect(await values('fit-user-5', 'stress')).toHaveLength(4);
  });

  it('fails a damaged, truncated or non-FIT upload with its reason and stores nothing of it', async () => {
    const file = activityFit({ start: new Date('2026-04-03T06:00:00Z'), records: 30 });
    const damaged = Uint8Array.from(file);
    damaged[200] = damaged[200]! ^ 0xff;
    const truncated = file.slice(0, file.length - 40);
    const notFit = Buffer.from('%PDF-1.7 this is not a FIT file at all, just some text');
    for (const [bytes, reason] of [
      [damaged, /damaged or truncated/],
      [truncated, /damaged or truncated|not a FIT file/],
      [notFit, /not a FIT file/],
    ] as const) {
      const row = await finishedImport(service, await sendImport(service, 'fit', bytes, 'fit-user-6'));
      expect(row.status).toBe('failed');
      expect(row.failure_reason).toMatch(reason);
    }
    expect(await sampleCount(service, 'fit-user-6')).toBe(0);
  });

  it('rejects future samples and impossible values one by one and stores the rest', async () => {
    const future = activityFit({ start: new Date(Date.now() + 7 * 86_400_000), records: 5 });
    const futureRow = await finishedImport(service, await sendImport(service, 'fit', future, 'fit-user-7'));
    expect(futureRow.status).toBe('failed');
    expect(futureRow.rejections[0]!.reason).toMatch(/in the future/);
    // 200 m/s (720 km/h) is no running speed.
    const impossible = activityFit({
      start: new Date('2026-04-04T06:00:00Z'),
      records: 10,
      speed: (second) => (second === 3 ? 200 : 3),
    });
    const row = await finishedImport(service, await sendImport(service, 'fit', impossible, 'fit-user-7'));
    expect(row).toMatchObject({ status: 'succeeded', rejected_count: 1 });
    expect(row.rejections[0]!.reason).toMatch(/impossible speed 200/);
    expect(await values('fit-user-7', 'speed')).toHaveLength(9);
    expect(await values('fit-user-7', 'heart_rate')).toHaveLength(10);
  });
});
