import { randomUUID } from 'node:crypto';
import { MediaGenContract, type JobProgressedEvent, type UnsequencedEventOf } from '@conduit/contracts';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import { Bus, RecordStreams } from '../src';

type JobStreamEvent = UnsequencedEventOf<typeof MediaGenContract.jobStream>;
interface Job {
  id: string;
  userId: string;
  status: 'running' | 'succeeded';
}

const quiet = { warn: () => undefined, error: () => undefined };
const alice = { userId: 'user-alice' };

/**
 * Record streams over a real NATS server: a replica listens to the other replicas' progress events only
 * while it produces a stream, and a watcher still gets every update from the moment it asked.
 */
describe('RecordStreams over a real NATS server', () => {
  let watching: Bus;
  let running: Bus;
  let streams: RecordStreams<typeof MediaGenContract.jobStream, typeof MediaGenContract.jobProgressed, Job>;
  const jobs = new Map<string, Job>();

  beforeAll(async () => {
    const { subjectPrefix } = isolatedNamespace('recordstreams');
    const connect = () =>
      Bus.connect({ url: testEnv().natsUrl, name: 'record-streams-test', subjectPrefix, logger: quiet });
    [watching, running] = await Promise.all([connect(), connect()]);
    streams = new RecordStreams(watching, {
      stream: MediaGenContract.jobStream,
      retention: { maxAgeMs: 60_000, maxBytes: 1_000_000 },
      progress: MediaGenContract.jobProgressed,
      pollMs: 60_000,
      noun: 'job',
      find: (userId, id) => Promise.resolve(jobs.get(id)?.userId === userId ? jobs.get(id)! : null),
      stateOf: (job): JobStreamEvent =>
        job.status === 'succeeded'
          ? { type: 'done', jobId: job.id, status: 'succeeded', results: [], reason: null }
          : { type: 'running', jobId: job.id, attempt: 1, percent: null },
      idOf: (event) => event.jobId,
      fromProgress: ({ jobId, update }: JobProgressedEvent): JobStreamEvent | null =>
        update.type === 'running'
          ? { type: 'running', jobId, attempt: update.attempt, percent: update.percent }
          : null,
      logger: quiet,
    });
    await streams.start();
  });
  afterAll(async () => {
    streams?.stop();
    const manager = await watching.connection.jetstreamManager();
    await manager.streams
      .delete(watching.streamName(MediaGenContract.jobStream.retention!.stream))
      .catch(() => undefined);
    await Promise.all([watching?.close(), running?.close()]);
  });

  const progressed = (event: JobProgressedEvent) =>
    running.publish(MediaGenContract.jobProgressed, event, alice);

  it('listens to progress only while it produces a stream, and relays it to the end', async () => {
    const job: Job = { id: randomUUID(), userId: alice.userId, status: 'running' };
    jobs.set(job.id, job);
    expect(streams.listeningForProgress).toBe(false);

    const streamId = randomUUID();
    const reader = running.openStream(MediaGenContract.jobStream, streamId);
    await running.connection.flush();
    await streams.watch(alice, job.id, streamId);
    expect(streams.listeningForProgress).toBe(true);

    await progressed({ jobId: job.id, update: { type: 'running', attempt: 1, percent: 50 } });
    const events: JobStreamEvent[] = [];
    const reading = (async () => {
      for await (const event of reader) {
        const { seq: _seq, ...rest } = event;
        events.push(rest as JobStreamEvent);
      }
    })();
    await waitFor(
      () => events.length === 2,
      () => `two events (${JSON.stringify(events)})`,
    );
    job.status = 'succeeded';
    await progressed({ jobId: job.id, update: { type: 'finished', status: 'succeeded' } });
    await reading;

    expect(events).toEqual([
      { type: 'running', jobId: job.id, attempt: 1, percent: null },
      { type: 'running', jobId: job.id, attempt: 1, percent: 50 },
      { type: 'done', jobId: job.id, status: 'succeeded', results: [], reason: null },
    ]);
    expect(streams.listeningForProgress).toBe(false);
  });
});
