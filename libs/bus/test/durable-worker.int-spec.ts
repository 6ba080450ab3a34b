import { z } from 'zod';
import { defineEvent } from '@conduit/contracts';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import { Bus, DurableWorker, type DurableDelivery, type DurableWorkerOptions } from '../src';

const Job = defineEvent({
  subject: 'test.job.accepted',
  payload: z.strictObject({ n: z.number().int() }),
  durable: { stream: 'TEST_JOBS' },
});
type Delivery = DurableDelivery<typeof Job>;

const quiet = { warn: () => undefined, error: () => undefined };

/** A gate a handler waits on until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('DurableWorker over a real NATS server', () => {
  const buses: Bus[] = [];
  const workers: DurableWorker<typeof Job>[] = [];
  let prefix: string;

  /** A process of its own: its own connection, so closing it is what a crash looks like to NATS. */
  const connect = async (): Promise<Bus> => {
    const bus = await Bus.connect({
      url: testEnv().natsUrl,
      name: 'durable-worker-test',
      subjectPrefix: prefix,
      logger: quiet,
    });
    buses.push(bus);
    return bus;
  };
  const options = (overrides: Partial<DurableWorkerOptions<typeof Job>> = {}) => ({
    consumer: 'workers',
    concurrency: 1,
    ackWaitMs: 30_000,
    retryDelayMs: () => 20,
    ...overrides,
  });
  const each = async (
    bus: Bus,
    handle: (delivery: Delivery) => Promise<void>,
    overrides: Partial<DurableWorkerOptions<typeof Job>> = {},
  ) => {
    const worker = await DurableWorker.each(bus, Job, options(overrides), handle);
    workers.push(worker);
    return worker;
  };

  beforeEach(async () => {
    prefix = isolatedNamespace('durableworker').subjectPrefix;
    const bus = await connect();
    await bus.ensureEventStreams([Job]);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    const manager = await buses[0]!.connection.jetstreamManager();
    await manager.streams.delete(buses[0]!.streamName('TEST_JOBS')).catch(() => undefined);
    await Promise.all(buses.splice(0).map((bus) => bus.close().catch(() => undefined)));
  });

  const publish = (bus: Bus, ...ns: number[]) =>
    Promise.all(ns.map((n) => bus.publish(Job, { n }, { userId: 'u' })));

  it('keeps at most `concurrency` deliveries in hand and refills a slot as soon as it frees', async () => {
    const bus = buses[0]!;
    const stuck = gate();
    let inHand = 0;
    let most = 0;
    const done: number[] = [];
    await each(
      bus,
      async (delivery) => {
        inHand += 1;
        most = Math.max(most, inHand);
        // Event 1 holds its slot until the end; the other two slots keep the rest moving.
        if (delivery.payload.n === 1) await stuck.wait;
        else await new Promise((resolve) => setImmediate(resolve));
        inHand -= 1;
        done.push(delivery.payload.n);
        await delivery.ack();
      },
      { concurrency: 3 },
    );
    await publish(bus, ...Array.from({ length: 20 }, (_, i) => i + 1));
    await waitFor(
      () => done.length === 19,
      () => `19 of 20 done while one is stuck (done ${done.length})`,
    );
    expect(done).not.toContain(1);
    stuck.open();
    await waitFor(() => done.length === 20, 'the stuck one done');
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
    expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('acknowledges without waiting for a confirmation when confirmAcks is off, and nothing comes back', async () => {
    const bus = buses[0]!;
    const handled: number[] = [];
    await each(
      bus,
      async (delivery) => {
        handled.push(delivery.payload.n);
        await delivery.ack();
      },
      { concurrency: 2, confirmAcks: false },
    );
    await publish(bus, 1, 2, 3);
    const manager = await bus.connection.jetstreamManager();
    await waitFor(async () => {
      const info = await manager.consumers.info(bus.streamName('TEST_JOBS'), 'workers');
      return info.ack_floor.stream_seq === 3 && info.num_ack_pending === 0;
    }, 'all three acknowledged');
    expect([...handled].sort()).toEqual([1, 2, 3]);
  });

  it('delivers again what the handler leaves unsettled, fails or retries, counting attempts', async () => {
    const bus = buses[0]!;
    const attempts = new Map<number, number[]>();
    await each(
      bus,
      async (delivery) => {
        const { n } = delivery.payload;
        attempts.set(n, [...(attempts.get(n) ?? []), delivery.attempt]);
        if (delivery.attempt === 1 && n === 1) throw new Error('provider down');
        if (delivery.attempt === 1 && n === 2) return; // left unsettled
        if (delivery.attempt === 1 && n === 3) return delivery.retry(0);
        await delivery.ack();
      },
      { concurrency: 2 },
    );
    await publish(bus, 1, 2, 3, 4);
    await waitFor(() => [1, 2, 3].every((n) => attempts.get(n)?.length === 2), 'events 1-3 delivered twice');
    expect(Object.fromEntries(attempts)).toEqual({ 1: [1, 2], 2: [1, 2], 3: [1, 2], 4: [1] });
  });

  it('past maxAttempts, records the failure through onExhausted and stops delivering', async () => {
    const bus = buses[0]!;
    const handled: number[] = [];
    const exhausted: number[] = [];
    await each(
      bus,
      async (delivery) => {
        handled.push(delivery.attempt);
        throw new Error('always fails');
      },
      {
        maxAttempts: 3,
        onExhausted: async (delivery) => {
          exhausted.push(delivery.attempt);
        },
      },
    );
    await publish(bus, 1);
    await waitFor(() => exhausted.length === 1, 'given up on');
    const manager = await bus.connection.jetstreamManager();
    await waitFor(
      async () =>
        (await manager.consumers.info(bus.streamName('TEST_JOBS'), 'workers')).num_ack_pending === 0,
      'the exhausted delivery acknowledged',
    );
    expect(handled).toEqual([1, 2, 3]);
    expect(exhausted).toEqual([4]);
  });

  it('extends the acknowledgement deadline of a long job, so no other replica gets it', async () => {
    const [first, second] = [buses[0]!, await connect()];
    const long = gate();
    const seen: { replica: string; attempt: number }[] = [];
    const handler = (replica: string) => async (delivery: Delivery) => {
      seen.push({ replica, attempt: delivery.attempt });
      if (replica === 'first') await long.wait;
      await delivery.ack();
    };
    // The worker's heartbeats travel on the message's acknowledgement subject: count them.
    let heartbeats = 0;
    const listener = second.connection.subscribe(`$JS.ACK.${first.streamName('TEST_JOBS')}.workers.>`, {
      callback: (_error, message) => {
        if (message.string() === '+WPI') heartbeats += 1;
      },
    });
    // A deadline long enough that a busy machine's stalls do not outlast a heartbeat's interval (a third).
    await each(first, handler('first'), { ackWaitMs: 1_500 });
    await publish(first, 1);
    await waitFor(() => seen.length === 1, 'the first replica has the job');
    await each(second, handler('second'), { ackWaitMs: 1_500 });
    // Several acknowledgement deadlines pass while the job runs (three heartbeats a deadline).
    await waitFor(
      () => heartbeats >= 12,
      () => `four deadlines passed (${heartbeats} heartbeats)`,
    );
    listener.unsubscribe();
    long.open();
    const manager = await first.connection.jetstreamManager();
    await waitFor(
      async () =>
        (await manager.consumers.info(first.streamName('TEST_JOBS'), 'workers')).num_ack_pending === 0,
      'the job acknowledged',
    );
    expect(seen).toEqual([{ replica: 'first', attempt: 1 }]);
  });

  it('delivers a job again to another replica when the one running it dies', async () => {
    const [survivor, doomed] = [buses[0]!, await connect()];
    const never = gate();
    const seen: { replica: string; attempt: number }[] = [];
    // Not stopped at the end: the process it stands for is killed.
    await DurableWorker.each(doomed, Job, options({ ackWaitMs: 500 }), async (delivery) => {
      seen.push({ replica: 'doomed', attempt: delivery.attempt });
      await never.wait;
    });
    await publish(doomed, 7);
    await waitFor(() => seen.length === 1, 'the doomed replica has the job');
    await each(
      survivor,
      async (delivery) => {
        seen.push({ replica: 'survivor', attempt: delivery.attempt });
        await delivery.ack();
      },
      { ackWaitMs: 500 },
    );
    await doomed.connection.close(); // no heartbeat, no settlement: what a killed process leaves
    await waitFor(() => seen.length === 2, 'delivered again');
    expect(seen).toEqual([
      { replica: 'doomed', attempt: 1 },
      { replica: 'survivor', attempt: 2 },
    ]);
    never.open();
  });

  it('drains on stop: the job in hand finishes and is acknowledged, the rest goes to the next replica', async () => {
    const [first, second] = [buses[0]!, await connect()];
    const inHand = gate();
    const firstSeen: number[] = [];
    // A short deadline: what the server had already sent to the stopped worker's pull comes back quickly.
    const worker = await DurableWorker.each(
      first,
      Job,
      options({ prefetch: 10, ackWaitMs: 1_000 }),
      async (delivery) => {
        firstSeen.push(delivery.payload.n);
        await inHand.wait;
        await delivery.ack();
      },
    );
    await publish(first, 1, 2, 3);
    await waitFor(() => firstSeen.length === 1, 'one in hand');
    const stopping = worker.stop();
    inHand.open();
    await stopping;
    const secondSeen: number[] = [];
    await each(
      second,
      async (delivery) => {
        secondSeen.push(delivery.payload.n);
        await delivery.ack();
      },
      { ackWaitMs: 1_000 },
    );
    await waitFor(() => [2, 3].every((n) => secondSeen.includes(n)), 'the other two handled by the next');
    expect(firstSeen).toEqual([1]);
    expect(secondSeen).not.toContain(1);
  });

  it('hands batches over when asked, and drops events that do not fit the contract', async () => {
    const bus = buses[0]!;
    const batches: number[][] = [];
    const worker = await DurableWorker.inBatches(
      bus,
      Job,
      { ...options(), maxBatch: 10, lingerMs: 200 },
      async (batch) => {
        batches.push(batch.map((delivery) => delivery.payload.n));
        for (const delivery of batch) await delivery.ack();
      },
    );
    workers.push(worker);
    await bus.connection.jetstream().publish(bus.subject(Job.subject), new TextEncoder().encode('{"n":"x"}'));
    await publish(bus, 1, 2, 3, 4, 5);
    await waitFor(() => batches.flat().length === 5, 'five handled');
    expect(batches.flat().sort()).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...batches.map((batch) => batch.length))).toBeGreaterThan(1);
    const manager = await bus.connection.jetstreamManager();
    await waitFor(
      async () =>
        (await manager.consumers.info(bus.streamName('TEST_JOBS'), 'workers')).num_ack_pending === 0,
      'nothing left pending (the bad one dropped)',
    );
  });
});
