import { generateAppleHealthExport } from '../src/apple-health/apple-health-export.generator';
import { startHealthDataForTest, type HealthDataTestApp } from './support/health-data-app';
import { finishedImport, sampleCount, sendImport } from './support/imports';

const EXPORT = { startMs: Date.UTC(2026, 0, 1), days: 3, heartRatePerDay: 60, brokenEvery: 25 };

describe('Apple Health import through the durable import stream', () => {
  let service: HealthDataTestApp;

  beforeAll(async () => {
    service = await startHealthDataForTest();
  });

  afterAll(async () => {
    await service?.close();
  });

  it('stores every readable record once, and rejects the broken ones with their line and reason', async () => {
    const xml = [...generateAppleHealthExport(EXPORT)].join('');
    const first = await finishedImport(
      service,
      await sendImport(service, 'apple-health', xml, 'apple-alice', 'export.xml'),
    );
    // 180 heart-rate records of which 7 broken; per day 7 daily records and 4 sleep records (3 asleep stages
    // also count towards sleep_duration, in bed is not kept); 2 workouts.
    const heartRate = 180 - 7;
    const expected = heartRate + 3 * (7 + 3 + 3) + 2;
    expect(first).toMatchObject({ status: 'succeeded', samples_stored: expected, rejected_count: 7 });
    expect(first.rejections[0]).toEqual({
      item: expect.stringMatching(/^export\.xml line \d+$/),
      reason: 'HKQuantityTypeIdentifierHeartRate: value is not a number',
    });
    expect(await sampleCount(service, 'apple-alice')).toBe(expected);
    expect(await sampleCount(service, 'apple-alice', `metric = 'weight' AND unit = 'kg'`)).toBe(3);

    // The same export again replaces, never doubles; and it is nobody else's.
    const again = await finishedImport(
      service,
      await sendImport(service, 'apple-health', xml, 'apple-alice', 'export.xml'),
    );
    expect(again.status).toBe('succeeded');
    expect(await sampleCount(service, 'apple-alice')).toBe(expected);
    expect(await sampleCount(service, 'apple-bob')).toBe(0);
  });

  it('streams an export from the uploads bucket into its file', async () => {
    const xml = [...generateAppleHealthExport({ ...EXPORT, brokenEvery: 0 })].join('');
    const importId = await sendImport(service, 'apple-health', xml, 'apple-carol', 'export.xml', {
      inBucket: true,
    });
    const done = await finishedImport(service, importId);
    expect(done).toMatchObject({ status: 'succeeded', rejected_count: 0 });
    expect(await sampleCount(service, 'apple-carol')).toBe(180 + 3 * (7 + 3 + 3) + 2);
  });

  it('fails an upload that is no export, and keeps serving', async () => {
    const failed = await finishedImport(
      service,
      await sendImport(service, 'apple-health', '%PDF-1.7\n', 'apple-alice'),
    );
    expect(failed).toMatchObject({
      status: 'failed',
      failure_reason: 'The file is neither export.zip nor export.xml',
    });
  });
});
