import { AckPolicy } from 'nats';
import { Bus } from '@conduit/bus';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import { JetStreamLagCollector, ServiceMetrics } from '../src';

const STREAM = 'LAG_TEST';
const SUBJECT = 'lagtest.item.created';

/** The lag collector against a real JetStream: a stream, a durable consumer, messages it has not read. */
describe('JetStream consumer lag on /metrics', () => {
  let bus: Bus;
  let metrics: ServiceMetrics;

  beforeAll(async () => {
    const { subjectPrefix } = isolatedNamespace('lag');
    bus = await Bus.connect({ url: testEnv().natsUrl, name: 'lag-test', subjectPrefix });
    const manager = await bus.connection.jetstreamManager();
    await manager.streams.add({ name: bus.streamName(STREAM), subjects: [bus.subject(SUBJECT)] });
    await manager.consumers.add(bus.streamName(STREAM), {
      durable_name: 'indexer',
      ack_policy: AckPolicy.Explicit,
    });
    metrics = new ServiceMetrics('lag-test', { defaultMetrics: false });
    new JetStreamLagCollector(bus, [
      { stream: STREAM, consumer: 'indexer' },
      { stream: STREAM, consumer: 'not-created-yet' },
    ]).register(metrics);
  });
  afterAll(async () => {
    const manager = await bus.connection.jetstreamManager();
    await manager.streams.delete(bus.streamName(STREAM)).catch(() => undefined);
    await bus.close();
  });

  it('reports messages not yet delivered, then those delivered but not acknowledged', async () => {
    const js = bus.connection.jetstream();
    for (let i = 0; i < 5; i++)
      await js.publish(bus.subject(SUBJECT), new TextEncoder().encode(`{"i":${i}}`));
    expect(await sample('conduit_jetstream_consumer_pending_messages', 'indexer')).toBe(5);
    expect(await sample('conduit_jetstream_consumer_ack_pending_messages', 'indexer')).toBe(0);

    const consumer = await js.consumers.get(bus.streamName(STREAM), 'indexer');
    const batch = await consumer.fetch({ max_messages: 3, expires: 2_000 });
    let read = 0;
    for await (const message of batch) {
      if (read++ === 0) message.ack(); // one acknowledged, two still in flight
      if (read === 3) break;
    }
    // The collector caches its reading for a second, and the ack reaches the server on its own: the
    // gauges are watched until they show the two messages in flight, or the last reading is reported.
    let seen: (number | undefined)[] = [];
    await waitFor(
      async () => {
        seen = [
          await sample('conduit_jetstream_consumer_pending_messages', 'indexer'),
          await sample('conduit_jetstream_consumer_ack_pending_messages', 'indexer'),
        ];
        return seen[0] === 2 && seen[1] === 2;
      },
      () => `2 pending and 2 unacknowledged; last seen ${JSON.stringify(seen)}`,
    );
  });

  it('has no series for a consumer it cannot read', async () => {
    const text = await metrics.render();
    expect(text).toContain('# TYPE conduit_jetstream_consumer_pending_messages gauge');
    expect(text).not.toContain('consumer="not-created-yet"');
  });

  async function sample(name: string, consumer: string): Promise<number | undefined> {
    const text = await metrics.render();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith(`${name}{`) &&
          l.includes(`consumer="${consumer}"`) &&
          l.includes(`stream="${STREAM}"`),
      );
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  }
});
