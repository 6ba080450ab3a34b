import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import type { MsgHdrs } from 'nats';
import { EnvelopeHeader, StreamEventBase } from '@conduit/contracts';
import {
  BusInstrumentation,
  BusOperation,
  BusOutcome,
  BusStreamObserver,
  IncomingMessage,
  OutgoingMessage,
  StreamEnd,
  StreamInfo,
  subjectTemplate,
} from './bus-instrumentation';

// Messaging semantic conventions (still "development" upstream, so spelled out rather than imported).
const ATTR = {
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  destinationTemplate: 'messaging.destination.template',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  clientId: 'messaging.client.id',
  errorType: 'error.type',
  streamId: 'conduit.stream.id',
  streamEvents: 'conduit.stream.event_count',
  streamOutcome: 'conduit.stream.outcome',
  streamFirstEventMs: 'conduit.stream.first_event_ms',
} as const;

const headerSetter: TextMapSetter<MsgHdrs> = { set: (headers, key, value) => headers.set(key, value) };
const headerGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (headers) => headers?.keys() ?? [],
  get: (headers, key) => (headers?.has(key) ? headers.get(key) : undefined),
};

/**
 * Traces the bus with OpenTelemetry: the active context travels in NATS headers (W3C `traceparent`),
 * requests and events get CLIENT/PRODUCER spans, their handlers SERVER/CONSUMER spans parented on what
 * arrived, and every stream a span for its whole life. Without a registered SDK every call is a no-op.
 */
export class OtelBusInstrumentation implements BusInstrumentation {
  private readonly tracer: Tracer;

  /** @param clientId the process's bus client name, e.g. `chat`. */
  constructor(private readonly clientId: string) {
    this.tracer = trace.getTracer('@conduit/bus');
  }

  onRequest(message: OutgoingMessage): BusOperation {
    return this.outgoing(message, 'send', SpanKind.CLIENT, 'request');
  }

  onPublish(message: OutgoingMessage & { durable: boolean }): BusOperation {
    return this.outgoing(message, 'publish', SpanKind.PRODUCER, 'publish');
  }

  onServe(message: IncomingMessage): BusOperation {
    return this.incoming(message, SpanKind.SERVER);
  }

  onEvent(message: IncomingMessage): BusOperation {
    return this.incoming(message, SpanKind.CONSUMER);
  }

  onStreamProduce(stream: StreamInfo): BusStreamObserver {
    return this.stream(stream, 'produce', SpanKind.PRODUCER);
  }

  onStreamConsume(stream: StreamInfo): BusStreamObserver {
    return this.stream(stream, 'consume', SpanKind.CONSUMER);
  }

  private outgoing(
    message: OutgoingMessage,
    verb: string,
    kind: SpanKind,
    operationName: string,
  ): BusOperation {
    const parent = context.active();
    const span = this.tracer.startSpan(
      `${verb} ${subjectTemplate(message.subject)}`,
      {
        kind,
        attributes: {
          ...this.messageAttributes(message.subject, message.headers),
          [ATTR.operationType]: 'send',
          [ATTR.operationName]: operationName,
        },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    propagation.inject(spanContext, message.headers, headerSetter);
    return operationOf(span, spanContext);
  }

  private incoming(message: IncomingMessage, kind: SpanKind): BusOperation {
    const parent = propagation.extract(ROOT_CONTEXT, message.headers, headerGetter);
    const span = this.tracer.startSpan(
      `process ${subjectTemplate(message.subject)}`,
      {
        kind,
        attributes: {
          ...this.messageAttributes(message.subject, message.headers),
          [ATTR.operationType]: 'process',
          [ATTR.operationName]: 'process',
          ...(message.queue ? { [ATTR.consumerGroup]: message.queue } : {}),
        },
      },
      parent,
    );
    return operationOf(span, trace.setSpan(parent, span));
  }

  private stream(info: StreamInfo, role: 'produce' | 'consume', kind: SpanKind): BusStreamObserver {
    const parent = context.active();
    const startedAt = performance.now();
    const span = this.tracer.startSpan(
      `${role} stream ${info.stream}`,
      {
        kind,
        attributes: {
          [ATTR.system]: 'nats',
          [ATTR.clientId]: this.clientId,
          [ATTR.destinationTemplate]: `${info.stream}.events.{id}`,
          [ATTR.streamId]: info.streamId,
        },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    let events = 0;
    let ended = false;
    return {
      run: (fn) => context.with(spanContext, fn),
      event: () => {
        if (events === 0)
          span.setAttribute(ATTR.streamFirstEventMs, Math.round(performance.now() - startedAt));
        events += 1;
      },
      end: (how: StreamEnd) => {
        if (ended) return;
        ended = true;
        const outcome = how.type === 'closed' ? 'closed' : how.event.type;
        span.setAttributes({ [ATTR.streamEvents]: events, [ATTR.streamOutcome]: outcome });
        const code = how.type === 'terminal' ? errorCodeOf(how.event) : null;
        if (code) {
          span.setAttribute(ATTR.errorType, code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        }
        span.end();
      },
    };
  }

  private messageAttributes(subject: string, headers: MsgHdrs | undefined): Attributes {
    const messageId = headerGetter.get(headers, EnvelopeHeader.MessageId);
    return {
      [ATTR.system]: 'nats',
      [ATTR.clientId]: this.clientId,
      [ATTR.destination]: subject,
      [ATTR.destinationTemplate]: subjectTemplate(subject),
      ...(typeof messageId === 'string' ? { [ATTR.messageId]: messageId } : {}),
    };
  }
}

function operationOf(span: Span, spanContext: Context): BusOperation {
  let ended = false;
  return {
    run: (fn) => context.with(spanContext, fn),
    end: (outcome: BusOutcome) => {
      if (ended) return;
      ended = true;
      if (!outcome.ok) {
        span.setAttribute(ATTR.errorType, outcome.error.code);
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: `${outcome.error.code}: ${outcome.error.message}`,
        });
      }
      span.end();
    },
  };
}

/** The error code of a terminal `error` event (`{ type: 'error', error: { code } }`), if it is one. */
function errorCodeOf(event: StreamEventBase): string | null {
  if (event.type !== 'error') return null;
  const code = (event as { error?: { code?: unknown } }).error?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}
