import { waitFor } from '@conduit/testing';
import type { JobRepository } from '../src/jobs/job.repository';
import { newImageJob, openJobDatabase, type JobDatabase } from './support/job-database';

/**
 * The lease a worker holds on the job it runs, on a real Postgres: two replicas handed the same job (its
 * acknowledgement deadline missed under load) never both start it while the first one's lease lives.
 */
describe('job leases', () => {
  let jobs: JobRepository;
  let database: JobDatabase;
  const LEASE_MS = 60_000;

  beforeAll(async () => {
    database = await openJobDatabase();
    ({ jobs } = database);
  });
  afterAll(() => database?.close());

  async function queuedJob(userId: string): Promise<string> {
    const job = newImageJob(userId);
    await jobs.insert(job);
    return job.id;
  }

  it('starts a job once while its lease lives: a second worker is told how long the lease has left', async () => {
    const id = await queuedJob('alice');
    const first = await jobs.startAttempt('alice', id, LEASE_MS);
    expect(first).toMatchObject({ kind: 'started', job: { status: 'running', attempts: 1 } });

    const second = await jobs.startAttempt('alice', id, LEASE_MS);
    expect(second.kind).toBe('held');
    const left = second.kind === 'held' ? second.leaseLeftMs : 0;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(LEASE_MS);
    expect(await jobs.leaseLeftMs('alice', id)).toBeGreaterThan(0);
    // Not counted as an attempt: only a worker that took the job counts.
    expect((await jobs.find('alice', id))?.attempts).toBe(1);
  });

  it('lets another worker take a job whose worker stopped renewing its lease', async () => {
    const id = await queuedJob('alice');
    expect((await jobs.startAttempt('alice', id, 200)).kind).toBe('started');
    await waitFor(async () => (await jobs.leaseLeftMs('alice', id)) === 0, 'the lease to lapse');
    const taken = await jobs.startAttempt('alice', id, LEASE_MS);
    expect(taken).toMatchObject({ kind: 'started', job: { attempts: 2 } });
  });

  it('keeps the job for a worker that renews its lease, and only while it runs', async () => {
    const id = await queuedJob('alice');
    expect((await jobs.startAttempt('alice', id, 200)).kind).toBe('started');
    expect(await jobs.renewLease(id, LEASE_MS)).toBe(true);
    expect(await jobs.leaseLeftMs('alice', id)).toBeGreaterThan(200);
    expect((await jobs.startAttempt('alice', id, LEASE_MS)).kind).toBe('held');

    await jobs.succeed(id, []);
    expect(await jobs.renewLease(id, LEASE_MS)).toBe(false);
    expect(await jobs.leaseLeftMs('alice', id)).toBe(0);
    expect(await jobs.startAttempt('alice', id, LEASE_MS)).toEqual({ kind: 'finished' });
  });

  it('lets the next delivery take a job sent back to the queue at once, lease or not', async () => {
    const id = await queuedJob('alice');
    expect((await jobs.startAttempt('alice', id, LEASE_MS)).kind).toBe('started');
    await jobs.requeue(id, 'rate_limited: slow down');
    expect(await jobs.startAttempt('alice', id, LEASE_MS)).toMatchObject({
      kind: 'started',
      job: { attempts: 2 },
    });
  });

  it("never starts or reports on another user's job", async () => {
    const id = await queuedJob('alice');
    expect(await jobs.startAttempt('bob', id, LEASE_MS)).toEqual({ kind: 'finished' });
    expect((await jobs.startAttempt('alice', id, LEASE_MS)).kind).toBe('started');
    expect(await jobs.leaseLeftMs('bob', id)).toBe(0);
    expect(await jobs.startAttempt('bob', id, LEASE_MS)).toEqual({ kind: 'finished' });
  });
});
