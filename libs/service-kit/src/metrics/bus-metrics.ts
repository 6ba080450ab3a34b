import {
  BusInstrumentation,
  BusOperation,
  BusOutcome,
  BusStreamObserver,
  StreamEnd,
  StreamInfo,
  subjectTemplate,
} from '@conduit/bus';
import { isTerminalEvent, StreamEventBase } from '@conduit/contracts';
import type { Counter, Histogram } from 'prom-client';
import { METRIC_PREFIX, ServiceMetrics } from './service-metrics';

/** Seconds to a stream's first event: a model's first token is usually well under a few seconds. */
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 30];
const STREAM_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

type Role = 'produce' | 'consume';

/** Most events of one type a stream holds back from `stream_events_total` before adding them. */
const EVENTS_COUNTED_TOGETHER = 16;

/**
 * The bus's Prometheus metrics: requests sent and messages handled by subject and outcome (`ok` or the
 * error code) with latency histograms, and per stream role (`produce` in the service that generates,
 * `consume` in the gateway that relays): active streams, time to first event (a model's first token),
 * events, how streams end, and the output tokens reported in their `done` events.
 */
export class BusMetrics implements BusInstrumentation {
  private readonly requests: Counter<'subject' | 'outcome'>;
  private readonly requestSeconds: Histogram<'subject' | 'outcome'>;
  private readonly published: Counter<'subject' | 'outcome'>;
  private readonly handled: Counter<'subject' | 'kind' | 'outcome'>;
  private readonly handledSeconds: Histogram<'subject' | 'kind' | 'outcome'>;
  private readonly streamsActive;
  private readonly streamsEnded: Counter<'stream' | 'role' | 'outcome' | 'code'>;
  private readonly streamSeconds: Histogram<'stream' | 'role' | 'outcome'>;
  private readonly firstTokenSeconds: Histogram<'stream' | 'role'>;
  private readonly streamEvents: Counter<'stream' | 'role' | 'type'>;
  private readonly tokensGenerated: Counter<'stream' | 'model'>;
  private readonly tokensRelayed: Counter<'stream' | 'model'>;

  constructor(metrics: ServiceMetrics) {
    const p = METRIC_PREFIX;
    this.requests = metrics.counter({
      name: `${p}bus_requests_total`,
      help: 'Requests sent over NATS, by subject and outcome (ok or the error code)',
      labelNames: ['subject', 'outcome'],
    });
    this.requestSeconds = metrics.histogram({
      name: `${p}bus_request_duration_seconds`,
      help: 'Round trip of requests sent over NATS',
      labelNames: ['subject', 'outcome'],
    });
    this.published = metrics.counter({
      name: `${p}bus_events_published_total`,
      help: 'Events published, by subject and outcome',
      labelNames: ['subject', 'outcome'],
    });
    this.handled = metrics.counter({
      name: `${p}bus_messages_handled_total`,
      help: 'Requests served and events handled, by subject, kind (request or event) and outcome',
      labelNames: ['subject', 'kind', 'outcome'],
    });
    this.handledSeconds = metrics.histogram({
      name: `${p}bus_handler_duration_seconds`,
      help: 'Time to handle a request or event received over NATS',
      labelNames: ['subject', 'kind', 'outcome'],
    });
    this.streamsActive = metrics.gauge({
      name: `${p}streams_active`,
      help: 'Streams open now, by stream and role (produce or consume)',
      labelNames: ['stream', 'role'],
    });
    this.streamsEnded = metrics.counter({
      name: `${p}streams_total`,
      help: 'Streams ended, by outcome (done, error, or closed when the consumer left first) and error code',
      labelNames: ['stream', 'role', 'outcome', 'code'],
    });
    this.streamSeconds = metrics.histogram({
      name: `${p}stream_duration_seconds`,
      help: 'Lifetime of streams, from start to their terminal event',
      labelNames: ['stream', 'role', 'outcome'],
      buckets: STREAM_DURATION_BUCKETS,
    });
    this.firstTokenSeconds = metrics.histogram({
      name: `${p}stream_time_to_first_token_seconds`,
      help: 'Time from a stream starting (produce) or being opened (consume) to its first non-terminal event',
      labelNames: ['stream', 'role'],
      buckets: FIRST_TOKEN_BUCKETS,
    });
    this.streamEvents = metrics.counter({
      name: `${p}stream_events_total`,
      help: 'Stream events produced or relayed, by type',
      labelNames: ['stream', 'role', 'type'],
    });
    this.tokensGenerated = metrics.counter({
      name: `${p}tokens_generated_total`,
      help: 'Output tokens of the streams this service produced (as their contract reports them), by model',
      labelNames: ['stream', 'model'],
    });
    this.tokensRelayed = metrics.counter({
      name: `${p}tokens_relayed_total`,
      help: 'Output tokens of the streams this service relayed to clients (as their contract reports them), by model',
      labelNames: ['stream', 'model'],
    });
  }

  onRequest(message: { subject: string }): BusOperation {
    return this.timed((seconds, outcome) => {
      const labels = { subject: subjectTemplate(message.subject), outcome };
      this.requests.inc(labels);
      this.requestSeconds.observe(labels, seconds);
    });
  }

  onPublish(message: { subject: string }): BusOperation {
    return this.timed((_seconds, outcome) =>
      this.published.inc({ subject: subjectTemplate(message.subject), outcome }),
    );
  }

  onServe(message: { subject: string }): BusOperation {
    return this.handledOperation(message.subject, 'request');
  }

  onEvent(message: { subject: string }): BusOperation {
    return this.handledOperation(message.subject, 'event');
  }

  onStreamProduce(stream: StreamInfo): BusStreamObserver {
    return this.streamObserver(stream, 'produce');
  }

  onStreamConsume(stream: StreamInfo): BusStreamObserver {
    return this.streamObserver(stream, 'consume');
  }

  private handledOperation(subject: string, kind: 'request' | 'event'): BusOperation {
    return this.timed((seconds, outcome) => {
      const labels = { subject: subjectTemplate(subject), kind, outcome };
      this.handled.inc(labels);
      this.handledSeconds.observe(labels, seconds);
    });
  }

  private timed(record: (seconds: number, outcome: string) => void): BusOperation {
    const startedAt = performance.now();
    let ended = false;
    return {
      run: (fn) => fn(),
      end: (outcome: BusOutcome) => {
        if (ended) return;
        ended = true;
        record((performance.now() - startedAt) / 1000, outcome.ok ? 'ok' : outcome.error.code);
      },
    };
  }

  private streamObserver({ stream, outputTokensOf }: StreamInfo, role: Role): BusStreamObserver {
    const startedAt = performance.now();
    const elapsed = () => (performance.now() - startedAt) / 1000;
    let sawFirst = false;
    let ended = false;
    // Events are counted here and added to the counter in batches (and when the stream ends): prom-client
    // hashes the label set on every `inc`, which, once per token, showed in the relay's CPU profiles.
    let uncounted: { type: string; count: number } | null = null;
    const countEvents = () => {
      if (uncounted) this.streamEvents.inc({ stream, role, type: uncounted.type }, uncounted.count);
      uncounted = null;
    };
    this.streamsActive.inc({ stream, role });
    return {
      run: (fn) => fn(),
      event: (event: StreamEventBase) => {
        if (uncounted?.type !== event.type || uncounted.count >= EVENTS_COUNTED_TOGETHER) countEvents();
        if (uncounted) uncounted.count += 1;
        else uncounted = { type: event.type, count: 1 };
        if (!sawFirst && !isTerminalEvent(event)) {
          sawFirst = true;
          this.firstTokenSeconds.observe({ stream, role }, elapsed());
        }
        const tokens = outputTokensOf?.(event);
        if (tokens && tokens.count > 0) {
          const labels = { stream, model: tokens.model };
          (role === 'produce' ? this.tokensGenerated : this.tokensRelayed).inc(labels, tokens.count);
        }
      },
      end: (how: StreamEnd) => {
        if (ended) return;
        ended = true;
        countEvents();
        this.streamsActive.dec({ stream, role });
        const outcome = how.type === 'closed' ? 'closed' : how.event.type;
        const code = how.type === 'terminal' ? (errorCodeOf(how.event) ?? '') : '';
        this.streamsEnded.inc({ stream, role, outcome, code });
        this.streamSeconds.observe({ stream, role, outcome }, elapsed());
      },
    };
  }
}

function errorCodeOf(event: StreamEventBase): string | null {
  if (event.type !== 'error') return null;
  const code = (event as { error?: { code?: unknown } }).error?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}
