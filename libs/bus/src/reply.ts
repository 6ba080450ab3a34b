import { z } from 'zod';
import { ErrorBody, ErrorBodySchema } from '@conduit/contracts';

/** What a request handler answers on the wire: exactly one of data or a typed error. */
export const ReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorBodySchema }),
]);
export type Reply = z.infer<typeof ReplySchema>;

export const okReply = (data: unknown): Reply => ({ ok: true, data });
export const errorReply = (error: ErrorBody): Reply => ({ ok: false, error });
