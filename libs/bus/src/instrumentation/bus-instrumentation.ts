import type { MsgHdrs } from 'nats';
import {
  DomainError,
  ErrorBody,
  ErrorCode,
  isDomainError,
  StreamDef,
  StreamEventBase,
} from '@conduit/contracts';

/**
 * Hooks the {@link Bus} calls around every message it sends or handles and every stream it produces
 * or consumes. Tracing and metrics implement them (service-kit); the bus itself knows neither.
 */
export interface BusInstrumentation {
  /** An outgoing request. May write trace context into `headers`, which are sent as they are afterwards. */
  onRequest(message: OutgoingMessage): BusOperation;
  /** An outgoing event, `durable` when JetStream stores it. Same header contract as {@link onRequest}. */
  onPublish(message: OutgoingMessage & { durable: boolean }): BusOperation;
  /** A request received by `serve`; the handler runs inside the operation. */
  onServe(message: IncomingMessage): BusOperation;
  /** An event received by `subscribeEvent`; the handler runs inside the operation. */
  onEvent(message: IncomingMessage): BusOperation;
  /** A stream this process produces, from `createStreamWriter` to its terminal event. */
  onStreamProduce(stream: StreamInfo): BusStreamObserver;
  /** A stream this process consumes, from `openStream` until it ends or the consumer leaves. */
  onStreamConsume(stream: StreamInfo): BusStreamObserver;
}

export interface OutgoingMessage {
  /** The contract subject, without the deployment prefix. */
  subject: string;
  headers: MsgHdrs;
}

export interface IncomingMessage {
  subject: string;
  headers: MsgHdrs | undefined;
  /** The queue group it was delivered through, if any. */
  queue: string | null;
}

export interface StreamInfo {
  /** The stream definition's name, e.g. `chat.completion`. */
  stream: string;
  streamId: string;
  /** What the stream's contract says its events report as output tokens (see `defineStream`). */
  outputTokensOf?: StreamDef['outputTokensOf'];
}

export type BusOutcome = { ok: true } | { ok: false; error: ErrorBody };

export interface BusOperation {
  /** Runs `fn` as part of the operation, so whatever it starts (logs, calls, queries) belongs to it. */
  run<T>(fn: () => T): T;
  /** Called exactly once. */
  end(outcome: BusOutcome): void;
}

/** How a stream ended: its terminal event, or `closed` when the consumer stopped listening first. */
export type StreamEnd = { type: 'terminal'; event: StreamEventBase } | { type: 'closed' };

export interface BusStreamObserver {
  /** Runs `fn` as part of the stream (the producer's generation, for example). */
  run<T>(fn: () => T): T;
  /** Every event, terminal ones included, in order; never heartbeats. */
  event(event: StreamEventBase): void;
  /** Called exactly once. */
  end(how: StreamEnd): void;
}

export const noopBusOperation: BusOperation = { run: (fn) => fn(), end: () => undefined };
export const noopStreamObserver: BusStreamObserver = {
  run: (fn) => fn(),
  event: () => undefined,
  end: () => undefined,
};

export const noopBusInstrumentation: BusInstrumentation = {
  onRequest: () => noopBusOperation,
  onPublish: () => noopBusOperation,
  onServe: () => noopBusOperation,
  onEvent: () => noopBusOperation,
  onStreamProduce: () => noopStreamObserver,
  onStreamConsume: () => noopStreamObserver,
};

/** One instrumentation out of several: each sees every hook, in order, and `run` nests them. */
export function combineBusInstrumentations(...parts: BusInstrumentation[]): BusInstrumentation {
  if (parts.length === 0) return noopBusInstrumentation;
  if (parts.length === 1) return parts[0]!;
  const operation = (ops: BusOperation[]): BusOperation => ({
    run: (fn) => ops.reduceRight<typeof fn>((inner, op) => () => op.run(inner), fn)(),
    end: (outcome) => ops.forEach((op) => op.end(outcome)),
  });
  const stream = (observers: BusStreamObserver[]): BusStreamObserver => ({
    run: (fn) => observers.reduceRight<typeof fn>((inner, o) => () => o.run(inner), fn)(),
    event: (event) => observers.forEach((o) => o.event(event)),
    end: (how) => observers.forEach((o) => o.end(how)),
  });
  return {
    onRequest: (m) => operation(parts.map((p) => p.onRequest(m))),
    onPublish: (m) => operation(parts.map((p) => p.onPublish(m))),
    onServe: (m) => operation(parts.map((p) => p.onServe(m))),
    onEvent: (m) => operation(parts.map((p) => p.onEvent(m))),
    onStreamProduce: (s) => stream(parts.map((p) => p.onStreamProduce(s))),
    onStreamConsume: (s) => stream(parts.map((p) => p.onStreamConsume(s))),
  };
}

/** Runs `work` inside `operation` and ends it with the outcome: a rejection's domain error, or ok. */
export async function withinOperation<T>(operation: BusOperation, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await operation.run(work);
  } catch (error) {
    operation.end({ ok: false, error: errorBodyOf(error) });
    throw error;
  }
  operation.end({ ok: true });
  return result;
}

function errorBodyOf(error: unknown): ErrorBody {
  if (isDomainError(error)) return error.toBody();
  return new DomainError(ErrorCode.Internal, error instanceof Error ? error.message : 'failed').toBody();
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * The low-cardinality form of a subject, for metric labels and span names: per-stream subjects such as
 * `chat.completion.cancel.<uuid>` become `chat.completion.cancel.{id}`.
 */
export function subjectTemplate(subject: string): string {
  return subject.replace(UUID, '{id}');
}
