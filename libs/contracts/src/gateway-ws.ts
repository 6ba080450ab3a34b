import { z } from 'zod';
import { NotificationSchema } from './agents-schedules';
import { ChatStreamEventSchema, StartCompletionAckSchema } from './chat';
import { SeqSchema } from './definitions';
import { ErrorBodySchema } from './errors';

/**
 * Frames of the gateway's `/ws` protocol: one connection multiplexes any number of streams of any
 * service, each tagged with an id of the client's choosing.
 */
const ClientRequestId = z.string().min(1).max(64);

/** A stream endpoint's public name, e.g. `chat.message`. */
const StreamEndpointName = z.string().min(1).max(100);

export const WsClientFrameSchema = z.discriminatedUnion('type', [
  /** Start a stream of any endpoint; `request` is its start request without the `streamId`. */
  z.strictObject({
    type: z.literal('start'),
    id: ClientRequestId,
    stream: StreamEndpointName,
    request: z.record(z.string(), z.unknown()),
  }),
  /** Chat's own start frame, from before frames were generic: `start` of `chat.message`. */
  z.strictObject({
    type: z.literal('chat.start'),
    id: ClientRequestId,
    sessionId: z.uuid(),
    content: z.string(),
    model: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('cancel'), id: ClientRequestId }),
  /**
   * Stop relaying stream `id` to this connection (a page the user left): the stream goes on at its
   * producer and can be resumed by its `streamId`; the connection's slot is free at once.
   */
  z.strictObject({ type: z.literal('detach'), id: ClientRequestId }),
  /** Pick up a stream after losing the connection: its events after `lastSeq` (-1: all), then the rest. */
  z.strictObject({
    type: z.literal('resume'),
    id: ClientRequestId,
    streamId: z.uuid(),
    lastSeq: z.number().int().min(-1),
  }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type WsClientFrame = z.infer<typeof WsClientFrameSchema>;

/** Any stream's event: its `seq`, its `type`, and the fields its contract gives that type. */
const AnyStreamEventSchema = z.looseObject({ seq: SeqSchema, type: z.string() });

export const WsServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), userId: z.string() }),
  z.object({
    type: z.literal('started'),
    id: ClientRequestId,
    streamId: z.uuid(),
    ack: z.record(z.string(), z.unknown()),
  }),
  z.object({ type: z.literal('event'), id: ClientRequestId, event: AnyStreamEventSchema }),
  /** Chat streams keep the frame names they had before frames were generic. */
  z.object({
    type: z.literal('chat.started'),
    id: ClientRequestId,
    streamId: z.uuid(),
    ack: StartCompletionAckSchema,
  }),
  z.object({ type: z.literal('chat.event'), id: ClientRequestId, event: ChatStreamEventSchema }),
  /** A request-level failure (bad frame, unknown session); `id` is absent when the frame had none. */
  z.object({ type: z.literal('error'), id: ClientRequestId.optional(), error: ErrorBodySchema }),
  z.object({ type: z.literal('pong') }),
  /** The gateway is shutting down: reconnect (to another replica) and resume. */
  z.object({ type: z.literal('reconnect') }),
  /** A notification of the connection's user was just stored (a scheduled agent run ended). */
  z.object({ type: z.literal('notification'), notification: NotificationSchema }),
]);
export type WsServerFrame = z.infer<typeof WsServerFrameSchema>;

/** The frames a stream's ack and events travel in: `started`/`event`, or chat's older names. */
export type WsStreamFrameTypes =
  { started: 'started'; event: 'event' } | { started: 'chat.started'; event: 'chat.event' };

/**
 * Close codes the gateway gives a `/ws` connection whose credential stopped being valid: reconnect
 * with a fresh access token, or another key.
 */
export const WsCloseCode = {
  /** The access token the connection was opened with expired. */
  CredentialExpired: 4401,
  /** The API key the connection was opened with was revoked. */
  CredentialRevoked: 4403,
} as const;
