import type { HealthSample } from '@conduit/contracts';
import { HealthSampleRepository } from '../src/samples/health-sample.repository';
import { startHealthDataForTest, type HealthDataTestApp } from './support/health-data-app';

const minute = 60_000;
const base = Date.parse('2026-03-28T22:00:00Z');

function heartRate(index: number, value: number, recordKey = 'activity-1'): HealthSample {
  const start = new Date(base + index * minute).toISOString();
  return {
    metric: 'heart_rate',
    startAt: start,
    endAt: start,
    value,
    unit: 'bpm',
    source: 'garmin-fit',
    recordKey,
  };
}

describe('health sample storage', () => {
  let service: HealthDataTestApp;
  let samples: HealthSampleRepository;

  beforeAll(async () => {
    service = await startHealthDataForTest({ HEALTH_IMPORTER_ENABLED: 'false' });
    samples = service.app.get(HealthSampleRepository);
  });

  afterAll(async () => {
    await service?.close();
  });

  const rows = async (userId: string) =>
    (
      await service.pool.query<{ value: number; start_at: Date }>(
        `SELECT value, start_at FROM samples WHERE user_id = $1 ORDER BY start_at`,
        [userId],
      )
    ).rows;
  const hourly = async (userId: string) =>
    (
      await service.pool.query<{ bucket_start: Date; count: number; sum: number; min: number; max: number }>(
        `SELECT bucket_start, count, sum, min, max FROM rollups_hourly WHERE user_id = $1 ORDER BY bucket_start`,
        [userId],
      )
    ).rows;
  const daily = async (userId: string) =>
    (
      await service.pool.query<{ bucket_start: Date; count: number; sum: number }>(
        `SELECT bucket_start, count, sum FROM rollups_daily WHERE user_id = $1 ORDER BY bucket_start`,
        [userId],
      )
    ).rows;

  it('stores a batch sent twice once, and keeps the hourly and daily rollups across midnight', async () => {
    // 22:00 to 00:59 UTC: three hours over two days.
    const batch = Array.from({ length: 180 }, (_, i) => heartRate(i, 60 + (i % 60)));
    await expect(samples.upsertSamples('user-a', batch)).resolves.toEqual({ stored: 180, removed: 0 });
    await expect(samples.upsertSamples('user-a', batch)).resolves.toEqual({ stored: 180, removed: 0 });
    expect(await rows('user-a')).toHaveLength(180);
    const hours = await hourly('user-a');
    expect(hours.map((h) => [h.bucket_start.toISOString(), h.count, h.min, h.max])).toEqual([
      ['2026-03-28T22:00:00.000Z', 60, 60, 119],
      ['2026-03-28T23:00:00.000Z', 60, 60, 119],
      ['2026-03-29T00:00:00.000Z', 60, 60, 119],
    ]);
    const days = await daily('user-a');
    expect(days.map((d) => [d.bucket_start.toISOString(), d.count])).toEqual([
      ['2026-03-28T00:00:00.000Z', 120],
      ['2026-03-29T00:00:00.000Z', 60],
    ]);
  });

  it('lets the newest value of a sample win, also within one batch', async () => {
    await samples.upsertSamples('user-b', [heartRate(0, 70), heartRate(0, 71)]);
    await samples.upsertSamples('user-b', [heartRate(0, 99)]);
    expect((await rows('user-b')).map((r) => r.value)).toEqual([99]);
    expect((await hourly('user-b')).map((h) => [h.count, h.sum, h.max])).toEqual([[1, 99, 99]]);
  });

  it('leaves a sample stored again unchanged as it was: no rewrite, same rollups', async () => {
    const firstImport = '00000000-0000-4000-8000-000000000001';
    const batch = Array.from({ length: 3 }, (_, i) => heartRate(i, 60 + i));
    await samples.upsertSamples('user-g', batch, { importId: firstImport });
    const before = await service.pool.query(
      `SELECT import_id, updated_at FROM samples WHERE user_id = 'user-g' ORDER BY start_at`,
    );
    await samples.upsertSamples('user-g', [...batch.slice(0, 2), heartRate(2, 99)], {
      importId: '00000000-0000-4000-8000-000000000002',
    });
    const after = await service.pool.query(
      `SELECT import_id, updated_at FROM samples WHERE user_id = 'user-g' ORDER BY start_at`,
    );
    expect(after.rows.slice(0, 2)).toEqual(before.rows.slice(0, 2));
    expect(after.rows[2].import_id).toBe('00000000-0000-4000-8000-000000000002');
    expect((await hourly('user-g')).map((h) => [h.count, h.sum, h.min, h.max])).toEqual([[3, 220, 60, 99]]);
  });

  it('adds new samples to the stored rollups of their hour, and recomputes an hour whose samples changed', async () => {
    // Minutes 0-29, then 30-59 of one hour, in two transactions: the second adds to the stored figures.
    await samples.upsertSamples(
      'user-h',
      Array.from({ length: 30 }, (_, i) => heartRate(i, 100 + i)),
    );
    await samples.upsertSamples(
      'user-h',
      Array.from({ length: 30 }, (_, i) => heartRate(30 + i, 10 + i)),
    );
    expect((await hourly('user-h')).map((h) => [h.count, h.sum, h.min, h.max])).toEqual([
      [60, 3_435 + 735, 10, 129],
    ]);
    // One transaction, two batches on that hour: the maximum is lowered (not "un-addable"), a sample added.
    await samples.inTransaction(async (tx) => {
      await tx.upsertSamples('user-h', [heartRate(29, 50)]);
      await tx.upsertSamples('user-h', [heartRate(60, 7)]);
    });
    const hours = await hourly('user-h');
    expect(hours.map((h) => [h.bucket_start.toISOString(), h.count, h.min, h.max])).toEqual([
      ['2026-03-28T22:00:00.000Z', 60, 10, 128],
      ['2026-03-28T23:00:00.000Z', 1, 7, 7],
    ]);
    expect((await daily('user-h')).map((d) => [d.count, d.sum])).toEqual([[61, 3_435 + 735 - 129 + 50 + 7]]);
  });

  it('does not bring back the rollups of samples erased later in the same transaction', async () => {
    await samples.inTransaction(async (tx) => {
      await tx.upsertSamples('user-i', [heartRate(0, 80)]);
      await tx.eraseSamples('user-i', 'garmin-fit');
    });
    expect(await rows('user-i')).toEqual([]);
    expect(await hourly('user-i')).toEqual([]);
    expect(await daily('user-i')).toEqual([]);
  });

  it('replaces a revised record whole: samples it no longer has are removed, rollups follow', async () => {
    const first = Array.from({ length: 10 }, (_, i) => heartRate(i, 100 + i, 'sleep:2026-03-29'));
    await samples.upsertSamples('user-c', first, { replaceRecords: true });
    const revised = Array.from({ length: 5 }, (_, i) => heartRate(i, 50 + i, 'sleep:2026-03-29'));
    await expect(samples.upsertSamples('user-c', revised, { replaceRecords: true })).resolves.toEqual({
      stored: 5,
      removed: 5,
    });
    expect((await rows('user-c')).map((r) => r.value)).toEqual([50, 51, 52, 53, 54]);
    expect((await hourly('user-c')).map((h) => [h.count, h.min, h.max])).toEqual([[5, 50, 54]]);
  });

  it('rewrites nothing when a record is sent again unchanged', async () => {
    const record = Array.from({ length: 10 }, (_, i) => heartRate(i, 100 + i, 'activity:again'));
    const firstImport = '00000000-0000-4000-8000-000000000001';
    await samples.upsertSamples('user-resent', record, { replaceRecords: true, importId: firstImport });
    const written = async () =>
      (
        await service.pool.query<{ import_id: string; updated_at: Date }>(
          `SELECT import_id, updated_at FROM samples WHERE user_id = $1 ORDER BY start_at`,
          ['user-resent'],
        )
      ).rows;
    const before = await written();
    await expect(
      samples.upsertSamples('user-resent', record, {
        replaceRecords: true,
        importId: '00000000-0000-4000-8000-000000000002',
      }),
    ).resolves.toEqual({ stored: 10, removed: 0 });
    expect(await written()).toEqual(before);
    expect(before.map((row) => row.import_id)).toEqual(Array(10).fill(firstImport));
    expect((await hourly('user-resent')).map((h) => [h.count, h.min, h.max])).toEqual([[10, 100, 109]]);
  });

  it('writes nothing when a transaction fails part way', async () => {
    await expect(
      samples.inTransaction(async (tx) => {
        await tx.upsertSamples('user-d', [heartRate(0, 80)]);
        throw new Error('the file broke half way');
      }),
    ).rejects.toThrow('the file broke half way');
    expect(await rows('user-d')).toEqual([]);
    expect(await hourly('user-d')).toEqual([]);
  });

  it("keeps one user's samples and rollups apart from another's", async () => {
    await samples.upsertSamples('user-e', [heartRate(0, 42)]);
    await samples.upsertSamples('user-f', [heartRate(0, 43)]);
    expect((await rows('user-e')).map((r) => r.value)).toEqual([42]);
    expect((await hourly('user-e')).map((h) => h.sum)).toEqual([42]);
    expect((await hourly('user-f')).map((h) => h.sum)).toEqual([43]);
  });
});
