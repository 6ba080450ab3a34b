import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { CallerContext, Envelope, EnvelopeHeader, SCHEMA_VERSION } from '@conduit/contracts';

export function envelopeToHeaders(caller: CallerContext, messageId: string = randomUUID()): MsgHdrs {
  const h = natsHeaders();
  h.set(EnvelopeHeader.MessageId, messageId);
  h.set(EnvelopeHeader.SchemaVersion, String(SCHEMA_VERSION));
  if (caller.userId) h.set(EnvelopeHeader.UserId, caller.userId);
  if (caller.apiKeyId) h.set(EnvelopeHeader.ApiKeyId, caller.apiKeyId);
  if (caller.traceparent) h.set(EnvelopeHeader.TraceParent, caller.traceparent);
  if (caller.tracestate) h.set(EnvelopeHeader.TraceState, caller.tracestate);
  return h;
}

export function envelopeFromHeaders(h: MsgHdrs | undefined): Envelope {
  const get = (name: string): string | null => (h?.has(name) ? h.get(name) : null);
  return {
    messageId: get(EnvelopeHeader.MessageId) ?? randomUUID(),
    userId: get(EnvelopeHeader.UserId),
    apiKeyId: get(EnvelopeHeader.ApiKeyId),
    schemaVersion: Number(get(EnvelopeHeader.SchemaVersion) ?? SCHEMA_VERSION),
    traceparent: get(EnvelopeHeader.TraceParent),
    tracestate: get(EnvelopeHeader.TraceState),
  };
}

export function callerOf(envelope: Envelope): CallerContext {
  return {
    userId: envelope.userId,
    apiKeyId: envelope.apiKeyId,
    traceparent: envelope.traceparent,
    tracestate: envelope.tracestate,
  };
}
