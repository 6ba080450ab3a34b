import type { Pool } from 'pg';
import { JobRepository } from '../src/jobs/job.repository';
import { newImageJob, openJobDatabase, type JobDatabase } from './support/job-database';

/**
 * A job's way through Postgres, on a real one: accepted, taken by a worker under its lease and finished
 * with its results, one statement (one round trip) each.
 */
describe('JobRepository round trips', () => {
  let pool: Pool;
  let jobs: JobRepository;
  let database: JobDatabase;
  let queries: jest.SpyInstance;
  const LEASE_MS = 60_000;

  beforeAll(async () => {
    database = await openJobDatabase();
    ({ pool, jobs } = database);
  });
  beforeEach(() => {
    queries = jest.spyOn(pool, 'query');
  });
  afterEach(() => queries.mockRestore());
  afterAll(() => database?.close());

  it('stores a job and answers with it in one round trip', async () => {
    const job = newImageJob('alice');
    const { job: stored, created } = await jobs.insert(job);
    expect(queries).toHaveBeenCalledTimes(1);
    expect(created).toBe(true);
    expect(stored).toMatchObject({
      id: job.id,
      userId: 'alice',
      kind: 'image',
      status: 'queued',
      attempts: 0,
      inputHash: job.inputHash,
      results: [],
    });
    expect(stored.seq).toMatch(/^\d+$/);
    expect(stored).toEqual(await jobs.find('alice', job.id));
  });

  it('gives back the job stored first for an idempotency key used again', async () => {
    const first = await jobs.insert(newImageJob('alice', 'key-1'));
    const again = await jobs.insert({ ...newImageJob('alice', 'key-1'), inputHash: 'another' });
    expect(again).toEqual({ job: first.job, created: false });
    // Keys are per user.
    expect((await jobs.insert(newImageJob('bob', 'key-1'))).created).toBe(true);
  });

  it('takes a job under a lease and finishes it with its results, one round trip each', async () => {
    const { job } = await jobs.insert(newImageJob('alice'));
    queries.mockClear();
    const start = await jobs.startAttempt('alice', job.id, LEASE_MS);
    expect(start).toMatchObject({ kind: 'started', job: { status: 'running', attempts: 1 } });
    const result = { index: 0, storageKey: 'k', contentType: 'image/png', bytes: 1, metadata: {} };
    expect(await jobs.succeed(job.id, [result])).toBe(true);
    expect(queries).toHaveBeenCalledTimes(2);
    expect(await jobs.find('alice', job.id)).toMatchObject({ status: 'succeeded', results: [result] });
  });

  it('commits a start without waiting for the disk, and only the start', async () => {
    const { job } = await jobs.insert(newImageJob('alice'));
    const client = await pool.connect();
    const setting = async () =>
      (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]
        ?.synchronous_commit;
    try {
      const onOneConnection = new JobRepository(client as unknown as Pool);
      await client.query('BEGIN');
      expect(await onOneConnection.startAttempt('alice', job.id, LEASE_MS)).toMatchObject({
        kind: 'started',
      });
      expect(await setting()).toBe('off');
      await client.query('COMMIT');
      expect(await setting()).toBe('on');
      // Outside a transaction of its own too: the next statement on the connection commits durably.
      const { job: other } = await onOneConnection.insert(newImageJob('alice'));
      await onOneConnection.startAttempt('alice', other.id, LEASE_MS);
      expect(await setting()).toBe('on');
    } finally {
      client.release();
    }
    expect(await jobs.find('alice', job.id)).toMatchObject({ status: 'running', attempts: 1 });
  });
});
