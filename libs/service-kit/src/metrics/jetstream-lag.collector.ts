import type { ConsumerInfo, JetStreamManager } from 'nats';
import type { Bus } from '@conduit/bus';
import { METRIC_PREFIX, ServiceMetrics } from './service-metrics';

/** A durable JetStream consumer whose backlog this process reports, by the names used in code. */
export interface JetStreamConsumerRef {
  /** The stream as named in contracts (`CHAT_EVENTS`); the deployment's prefix is added. */
  stream: string;
  /** The durable consumer's name. */
  consumer: string;
}

/** Consumer info is fetched at most this often, however many gauges a scrape reads. */
const CACHE_MS = 1_000;

/**
 * Reports the lag of durable JetStream consumers on every scrape, read from the server's consumer info:
 * `pending` (stored messages not yet delivered to the consumer, what KEDA's JetStream scaler scales on)
 * and `ack_pending` (delivered, not yet acknowledged). A consumer that cannot be read (not created yet,
 * NATS down) has no series until it can.
 */
export class JetStreamLagCollector {
  private manager: JetStreamManager | null = null;
  private snapshot: Promise<Map<JetStreamConsumerRef, ConsumerInfo | null>> | null = null;
  private snapshotAt = 0;

  constructor(
    private readonly bus: Bus,
    private readonly consumers: readonly JetStreamConsumerRef[],
  ) {}

  register(metrics: ServiceMetrics): void {
    const labelNames = ['stream', 'consumer'] as const;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client binds `this` to the gauge
    const collector = this;
    metrics.gauge({
      name: `${METRIC_PREFIX}jetstream_consumer_pending_messages`,
      help: 'Messages in the stream not yet delivered to the durable consumer (its lag)',
      labelNames,
      async collect() {
        await collector.report(this, (info) => info.num_pending);
      },
    });
    metrics.gauge({
      name: `${METRIC_PREFIX}jetstream_consumer_ack_pending_messages`,
      help: 'Messages delivered to the durable consumer and not acknowledged yet',
      labelNames,
      async collect() {
        await collector.report(this, (info) => info.num_ack_pending);
      },
    });
  }

  /** Consumer info of every configured consumer, null for those that could not be read. */
  read(): Promise<Map<JetStreamConsumerRef, ConsumerInfo | null>> {
    if (!this.snapshot || Date.now() - this.snapshotAt > CACHE_MS) {
      this.snapshotAt = Date.now();
      this.snapshot = this.fetch();
    }
    return this.snapshot;
  }

  private async report(
    gauge: { set(labels: { stream: string; consumer: string }, value: number): void; reset(): void },
    value: (info: ConsumerInfo) => number,
  ): Promise<void> {
    const infos = await this.read();
    gauge.reset();
    for (const [ref, info] of infos) {
      if (info) gauge.set({ stream: ref.stream, consumer: ref.consumer }, value(info));
    }
  }

  private async fetch(): Promise<Map<JetStreamConsumerRef, ConsumerInfo | null>> {
    const infos = new Map<JetStreamConsumerRef, ConsumerInfo | null>();
    try {
      this.manager ??= await this.bus.connection.jetstreamManager();
    } catch {
      for (const ref of this.consumers) infos.set(ref, null);
      return infos;
    }
    const manager = this.manager;
    await Promise.all(
      this.consumers.map(async (ref) => {
        const info = await manager.consumers
          .info(this.bus.streamName(ref.stream), ref.consumer)
          .catch(() => null);
        infos.set(ref, info);
      }),
    );
    return infos;
  }
}
