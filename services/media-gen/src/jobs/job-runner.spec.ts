import type { Bus } from '@conduit/bus';
import type { MediaGenConfig } from '../config';
import type { MediaStorage } from '../storage/media-storage.port';
import type { JobEvents } from './job-events';
import type { JobMetering } from './job-metering';
import type { AttemptStart, JobRepository, StoredJob } from './job.repository';
import { JobRunner, type JobDelivery } from './job-runner';
import type { MediaProducer } from './media-producer';
import { RunningJobs } from './running-jobs';

/** A delivery that records how it was settled. */
function delivery(attempt = 1) {
  const settled: { acked: boolean; retriedAfterMs: number | null } = { acked: false, retriedAfterMs: null };
  const value: JobDelivery = {
    payload: { jobId: 'job-1' } as JobDelivery['payload'],
    envelope: { userId: 'alice' } as JobDelivery['envelope'],
    attempt,
    ack: async () => {
      settled.acked = true;
    },
    retry: (delayMs?: number) => {
      settled.retriedAfterMs = delayMs ?? -1;
    },
  };
  return { value, settled };
}

function runnerWith(jobs: Partial<JobRepository>, produce = jest.fn()) {
  const config = { MEDIA_JOB_ACK_WAIT_MS: 30_000, MEDIA_JOB_MAX_ATTEMPTS: 3 } as MediaGenConfig;
  const events = { progressed: jest.fn() } as unknown as JobEvents;
  const producer = { produce, plannedQuantities: jest.fn() } as unknown as MediaProducer;
  return new JobRunner(
    jobs as JobRepository,
    producer,
    {} as JobMetering,
    events,
    new RunningJobs({} as Bus),
    {} as MediaStorage,
    config,
  );
}

describe('JobRunner and the lease on a job', () => {
  it('sends a job another worker holds back to the stream until that lease would have lapsed', async () => {
    const held: AttemptStart = { kind: 'held', leaseLeftMs: 12_000 };
    const produce = jest.fn();
    const runner = runnerWith({ startAttempt: jest.fn().mockResolvedValue(held) }, produce);
    const { value, settled } = delivery();
    await runner.run(value);
    expect(settled.acked).toBe(false);
    expect(settled.retriedAfterMs).toBeGreaterThan(12_000);
    expect(produce).not.toHaveBeenCalled();
  });

  it('acknowledges the delivery of a job that finished meanwhile, without running it', async () => {
    const runner = runnerWith({ startAttempt: jest.fn().mockResolvedValue({ kind: 'finished' }) });
    const { value, settled } = delivery();
    await runner.run(value);
    expect(settled).toEqual({ acked: true, retriedAfterMs: null });
  });

  it('does not give up on a job while another worker still holds its lease', async () => {
    const fail = jest.fn();
    const runner = runnerWith({ leaseLeftMs: jest.fn().mockResolvedValue(5_000), fail });
    const { value, settled } = delivery(9);
    await runner.giveUp(value);
    expect(settled.retriedAfterMs).toBeGreaterThan(5_000);
    expect(fail).not.toHaveBeenCalled();
  });

  it('gives up on a job tried as often as allowed, with the last reason known', async () => {
    const fail = jest.fn().mockResolvedValue(true);
    const job = { status: 'running', attempts: 3, failureReason: 'server_error: boom' } as StoredJob;
    const runner = runnerWith({
      leaseLeftMs: jest.fn().mockResolvedValue(0),
      find: jest.fn().mockResolvedValue(job),
      fail,
    });
    await runner.giveUp(delivery(9).value);
    expect(fail).toHaveBeenCalledWith('job-1', 'did not finish in 3 attempts (last: server_error: boom)');
  });

  it('runs a job whose deliveries were spent waiting on a worker that then died, if it has tries left', async () => {
    const startAttempt = jest.fn().mockResolvedValue({ kind: 'finished' });
    const fail = jest.fn();
    const job = { status: 'running', attempts: 1, failureReason: null } as StoredJob;
    const runner = runnerWith({
      leaseLeftMs: jest.fn().mockResolvedValue(0),
      find: jest.fn().mockResolvedValue(job),
      startAttempt,
      fail,
    });
    const { value, settled } = delivery(9);
    await runner.giveUp(value);
    expect(startAttempt).toHaveBeenCalledWith('alice', 'job-1', 30_000);
    expect(fail).not.toHaveBeenCalled();
    expect(settled.acked).toBe(true);
  });
});
