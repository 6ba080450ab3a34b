import { z } from 'zod';
import { ChatStreamEventSchema, StartCompletionAckSchema } from './chat';
import { ErrorBodySchema } from './errors';

/** Frames of the gateway's `/ws` protocol. Every client request carries an id of the client's choosing. */
const ClientRequestId = z.string().min(1).max(64);

export const WsClientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('chat.start'),
    id: ClientRequestId,
    sessionId: z.uuid(),
    content: z.string(),
    model: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('cancel'), id: ClientRequestId }),
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

export const WsServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), userId: z.string() }),
  z.object({ type: z.literal('chat.started'), id: ClientRequestId, ack: StartCompletionAckSchema }),
  z.object({ type: z.literal('chat.event'), id: ClientRequestId, event: ChatStreamEventSchema }),
  /** A request-level failure (bad frame, unknown session); `id` is absent when the frame had none. */
  z.object({ type: z.literal('error'), id: ClientRequestId.optional(), error: ErrorBodySchema }),
  z.object({ type: z.literal('pong') }),
  /** The gateway is shutting down: reconnect (to another replica) and resume. */
  z.object({ type: z.literal('reconnect') }),
]);
export type WsServerFrame = z.infer<typeof WsServerFrameSchema>;
