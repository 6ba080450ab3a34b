/**
 * The envelope every bus message carries, in NATS headers so payloads stay exactly their schema.
 * The user id is set by the gateway from the authenticated principal and trusted inside the bus.
 */
export const SCHEMA_VERSION = 1;

export const EnvelopeHeader = {
  MessageId: 'x-message-id',
  UserId: 'x-user-id',
  ApiKeyId: 'x-api-key-id',
  SchemaVersion: 'x-schema-version',
  TraceParent: 'traceparent',
  TraceState: 'tracestate',
  StreamHeartbeat: 'x-stream-heartbeat',
} as const;

export interface Envelope {
  messageId: string;
  /** null for messages not made on behalf of a user (internal maintenance). */
  userId: string | null;
  apiKeyId: string | null;
  schemaVersion: number;
  traceparent: string | null;
  tracestate: string | null;
}

/** What a caller knows about who it acts for; the bus fills in the rest of the envelope. */
export interface CallerContext {
  userId: string | null;
  apiKeyId?: string | null;
  traceparent?: string | null;
  tracestate?: string | null;
}
