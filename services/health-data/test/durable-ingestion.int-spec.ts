import { HealthDataContract } from '@conduit/contracts';
import { waitFor } from '@conduit/testing';
import { startHealthDataForTest, type HealthDataTestApp } from './support/health-data-app';
import { finishedImport, sampleCount, sendImport } from './support/imports';

describe('durable ingestion', () => {
  let service: HealthDataTestApp;

  beforeAll(async () => {
    service = await startHealthDataForTest();
  });

  afterAll(async () => {
    await service?.close();
  });

  it('ingests everything sent while the service was down, once, when it is back', async () => {
    // Once started, the import stream and its durable consumer exist: now the service goes away.
    await service.stop();
    const imports: string[] = [];
    const userId = 'durable-user';
    for (let i = 0; i < 200; i += 1) {
      const results = Array.from({ length: 5 }, (_, j) => {
        const day = new Date(Date.UTC(2023, 0, 1) + (i * 5 + j) * 86_400_000).toISOString().slice(0, 10);
        return { analyte: 'glucose', value: 90 + j, unit: 'mg/dL', date: day, lab: 'Durable' };
      });
      imports.push(await sendImport(service, 'blood-test-json', JSON.stringify({ results }), userId));
    }
    // One of them sent twice (a retried publish): the stream keeps it once.
    await service.bus.publish(
      HealthDataContract.importAccepted,
      {
        importId: imports[0]!,
        kind: 'blood-test-json',
        bytes: 2,
        content: { inline: Buffer.from('[]').toString('base64') },
        acceptedAt: new Date().toISOString(),
      },
      { userId },
      { messageId: imports[0]! },
    );

    await service.restart();
    await waitFor(
      async () => (await sampleCount(service, userId)) === 1000,
      'all 1,000 results stored',
      120_000,
    );
    for (const id of imports) expect((await finishedImport(service, id)).status).toBe('succeeded');
    expect(await sampleCount(service, userId)).toBe(1000);
    const { rows } = await service.pool.query<{ n: string }>(
      `SELECT count(DISTINCT start_at)::text AS n FROM samples WHERE user_id = $1`,
      [userId],
    );
    expect(Number(rows[0]!.n)).toBe(1000);
  });

  it('shows an import only to its owner, and streams its progress to a done', async () => {
    const id = await sendImport(
      service,
      'blood-test-json',
      JSON.stringify([{ analyte: 'glucose', value: 5, unit: 'mmol/L', date: '2026-01-05' }]),
      'owner-a',
    );
    await finishedImport(service, id);
    await expect(
      service.bus.request(HealthDataContract.getImport, { id }, { userId: 'owner-a' }),
    ).resolves.toMatchObject({
      status: 'succeeded',
      samplesStored: 1,
    });
    await expect(
      service.bus.request(HealthDataContract.getImport, { id }, { userId: 'owner-b' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const watchOther = service.bus.request(
      HealthDataContract.watchImport,
      { importId: id, streamId: '6f1f2f52-7a3e-4a53-9a0e-3c2b1d0e9f11' },
      { userId: 'owner-b' },
    );
    await expect(watchOther).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
