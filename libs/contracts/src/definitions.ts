import { z } from 'zod';
import { ErrorBodySchema, ErrorCode } from './errors';

/** A request/reply subject: one handler (in a queue group) answers each request. */
export interface RequestDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'request';
  readonly subject: string;
  readonly request: Req;
  readonly response: Res;
  /** Codes a handler may answer with besides VALIDATION_FAILED and INTERNAL. */
  readonly errors: readonly ErrorCode[];
}

/** A fact that happened; `durable` events go through JetStream so subscribers cannot miss them. */
export interface EventDef<Payload extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly subject: string;
  readonly payload: Payload;
  readonly durable: { readonly stream: string } | null;
}

export const SeqSchema = z.number().int().nonnegative();

/** Partial results of one operation, published on a per-stream subject, ending with done or error. */
export interface StreamDef<
  Event extends z.ZodType<{ seq: number; type: string }> = z.ZodType<StreamEventBase>,
> {
  readonly kind: 'stream';
  /** Subjects: `<name>.events.<streamId>` for events, `<name>.cancel.<streamId>` for cancellation. */
  readonly name: string;
  readonly event: Event;
  /** The JetStream stream that keeps recent events, so a consumer that lost its connection can resume. */
  readonly retention?: { readonly stream: string };
  /**
   * A cheap exact check for the stream's most frequent event (say, a text delta), tried before the
   * schema: true only for values the schema would accept unchanged. Consumers parse every event of
   * every stream, so skipping the full schema for the common case matters.
   */
  readonly isFrequentEvent?: (value: unknown) => boolean;
  /**
   * The output tokens an event reports (typically the `done` event of a generation), with the model
   * that produced them: what the bus's token metrics count. Streams that generate no tokens omit it.
   * Called with events the schema accepted.
   */
  readonly outputTokensOf?: (event: StreamEventBase) => OutputTokens | null;
}

export interface OutputTokens {
  count: number;
  model: string;
}

export interface StreamEventBase {
  seq: number;
  type: string;
}

export type RequestOf<D extends RequestDef> = z.input<D['request']>;
export type ParsedRequestOf<D extends RequestDef> = z.output<D['request']>;
export type ResponseOf<D extends RequestDef> = z.output<D['response']>;
export type PayloadOf<D extends EventDef> = z.output<D['payload']>;
export type StreamEventOf<D extends StreamDef> = z.output<D['event']>;
/** A stream event as a producer hands it over: the stream assigns `seq`. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type UnsequencedEventOf<D extends StreamDef> = DistributiveOmit<StreamEventOf<D>, 'seq'>;

/** A service's contract: its request, event and stream definitions by name. */
export type Contract = Record<string, RequestDef | EventDef | StreamDef>;

/**
 * A two-way conversation pinned to one replica: the replica that accepted it listens on
 * `<name>.<id>.in` (only it subscribes there) and answers on `<name>.<id>.out`, which the caller reads.
 * Payloads may be binary; what travels there is the contract's own business (see the owner's module).
 */
export interface ChannelDef {
  readonly kind: 'channel';
  readonly name: string;
}

export function defineChannel(def: { name: string }): ChannelDef {
  return { kind: 'channel', name: def.name };
}

/** Headers of every channel message: its number in its direction (from 0) and what it carries. */
export const ChannelHeader = {
  Seq: 'x-channel-seq',
  Kind: 'x-channel-kind',
} as const;

/** `in`: caller to the pinned replica; `out`: the replica back to its caller. */
export function channelSubject(def: ChannelDef, channelId: string, direction: 'in' | 'out'): string {
  return `${def.name}.${channelId}.${direction}`;
}

/** Requests, streams and channels a service answers or produces, or sends and reads: whole contracts or single definitions. */
export type ServicePart = Contract | RequestDef | StreamDef | ChannelDef;

/** A durable JetStream consumer a service reads an event through. */
export interface DurableConsumer {
  readonly event: EventDef;
  readonly durable: string;
}

/**
 * What a service does on the bus, from which its NATS user's rights are rendered (deploy/nats/auth.conf,
 * `npm run nats:auth`): it answers the requests and produces the streams it `handles` (in its queue
 * group), publishes the events it `publishes` (creating their durable JetStream streams), sends the
 * requests and reads the streams it `calls`, hears on every replica the events it `listens` to, and
 * reads durable events through the JetStream consumers it `consumes`, and reads, writes and deletes
 * objects in the JetStream Object Store buckets of `objectStores` (creating them if missing).
 */
export interface ServiceDef {
  readonly name: string;
  readonly handles: readonly ServicePart[];
  readonly publishes: readonly EventDef[];
  readonly calls: readonly ServicePart[];
  readonly listens: readonly EventDef[];
  readonly consumes: readonly DurableConsumer[];
  readonly objectStores: readonly string[];
}

export function defineService(def: {
  name: string;
  handles?: readonly ServicePart[];
  publishes?: readonly EventDef[];
  calls?: readonly ServicePart[];
  listens?: readonly EventDef[];
  consumes?: readonly DurableConsumer[];
  objectStores?: readonly string[];
}): ServiceDef {
  return { handles: [], publishes: [], calls: [], listens: [], consumes: [], objectStores: [], ...def };
}

export function defineRequest<Req extends z.ZodType, Res extends z.ZodType>(def: {
  subject: string;
  request: Req;
  response: Res;
  errors?: readonly ErrorCode[];
}): RequestDef<Req, Res> {
  return { kind: 'request', errors: [], ...def };
}

export function defineEvent<Payload extends z.ZodType>(def: {
  subject: string;
  payload: Payload;
  durable?: { stream: string };
}): EventDef<Payload> {
  return { kind: 'event', subject: def.subject, payload: def.payload, durable: def.durable ?? null };
}

/** The terminal error event every stream has, so any consumer can end a stream it gave up on. */
export const streamErrorEvent = z.object({
  seq: SeqSchema,
  type: z.literal('error'),
  error: ErrorBodySchema,
});

export function defineStream<Event extends z.ZodType<StreamEventBase>>(def: {
  name: string;
  event: Event;
  retention?: { stream: string };
  isFrequentEvent?: (value: unknown) => boolean;
  outputTokensOf?: (event: z.output<Event>) => OutputTokens | null;
}): StreamDef<Event> {
  const { outputTokensOf, ...rest } = def;
  return {
    kind: 'stream',
    ...rest,
    ...(outputTokensOf ? { outputTokensOf: (event) => outputTokensOf(event as z.output<Event>) } : {}),
  };
}

/**
 * Exactly `{ seq, type: 'delta', text }` with a non-negative integer seq and a string text, nothing
 * else: the shape of the text deltas streams carry most, checked without a schema walk.
 */
export function isTextDeltaEvent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  if (event.type !== 'delta' || typeof event.text !== 'string') return false;
  const seq = event.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return false;
  let keys = 0;
  for (const key in event) {
    if (!Object.prototype.hasOwnProperty.call(event, key)) continue;
    keys += 1;
  }
  return keys === 3;
}

export function streamEventsSubject(def: StreamDef, streamId: string): string {
  return `${def.name}.events.${streamId}`;
}

export function streamCancelSubject(def: StreamDef, streamId: string): string {
  return `${def.name}.cancel.${streamId}`;
}

export const TERMINAL_EVENT_TYPES: readonly string[] = ['done', 'error'];

export function isTerminalEvent(event: { type: string }): boolean {
  return TERMINAL_EVENT_TYPES.includes(event.type);
}

/** The request and event definitions of a service's contract, for registering its handlers. */
export function handledDefinitionsOf(
  contract: Record<string, RequestDef | EventDef | StreamDef>,
): (RequestDef | EventDef)[] {
  return Object.values(contract).filter((def): def is RequestDef | EventDef => def.kind !== 'stream');
}

/** The durable events of a service's contract, whose JetStream streams it must make sure exist. */
export function durableEventsOf(contract: Record<string, RequestDef | EventDef | StreamDef>): EventDef[] {
  return Object.values(contract).filter(
    (def): def is EventDef => def.kind === 'event' && def.durable !== null,
  );
}

/**
 * A client's key for retrying a create safely: the same key (per user) gives back what the first
 * request created (a media job, a search document) instead of creating it again.
 */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
