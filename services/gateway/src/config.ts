import { z } from 'zod';
import {
  configFields,
  DatabaseConfigSchema,
  loadConfig,
  RedisConfigSchema,
  ServiceConfigSchema,
  trustProxyField,
} from '@conduit/service-kit';
import { phoneNumberMap } from './telephony/phone-number-map';
import { MAX_CONCURRENT_STREAMS, MAX_REQUESTS_PER_MINUTE } from './identity/api-keys/api-key-limits';

export const GatewayConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(RedisConfigSchema.shape)
  .extend({
    PORT: configFields.port(3000),
    /** `/metrics` (Prometheus) is served here only, never on PORT, which may be public. */
    METRICS_PORT: configFields.port(9464),
    DATABASE_SCHEMA: configFields.schemaName().default('gateway'),
    /** HMAC secret for access tokens. Without it a random one is made at start (tokens die with the process). */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_ISSUER: z.string().default('conduit'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(900),
    REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .default(30 * 24 * 3600),
    /** How often one replica deletes expired refresh tokens and revoked sessions; 0 never. */
    REFRESH_TOKEN_PRUNE_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
    /** Tokens one prune transaction deletes at most. */
    REFRESH_TOKEN_PRUNE_BATCH_SIZE: z.coerce.number().int().min(1).default(1_000),
    /** scrypt cost parameter N (a power of two); memory use is 128 * N * r bytes. */
    PASSWORD_SCRYPT_N: z.coerce.number().int().min(1024).default(32_768),
    /** Password hashes computed at once; each holds a libuv thread (4 by default) and 128 * N * r bytes. */
    PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).default(2),
    /** Password checks that may wait for a free slot; beyond that sign-in and sign-up answer 503 with Retry-After. */
    PASSWORD_HASH_QUEUE_LIMIT: z.coerce.number().int().min(0).default(32),
    /** Sign-up, sign-in, refresh and logout requests per minute from one client address (IPv6: its /64); 0 turns the limit off. */
    AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: z.coerce.number().int().min(0).default(30),
    /** Failed sign-ins in a row for one account from one address before each further failure blocks that pair, for 1 s, 2 s, 4 s... */
    AUTH_FAILURES_BEFORE_BACKOFF: z.coerce.number().int().min(1).default(5),
    /** The same, for one account from any address: guessing spread over many addresses slows down too. */
    AUTH_ACCOUNT_FAILURES_BEFORE_BACKOFF: z.coerce.number().int().min(1).default(20),
    /** The longest a backoff block lasts. */
    AUTH_BACKOFF_MAX_SECONDS: z.coerce.number().int().min(1).default(900),
    /** Failed sign-ins from one address, over a day from its first failure, after which it may not sign in until that day ends; 0 turns the limit off. */
    AUTH_FAILURES_PER_DAY_PER_ADDRESS: z.coerce.number().int().min(0).default(100),
    /** Strict-Transport-Security max-age sent on HTTPS requests (direct, or X-Forwarded-Proto from a trusted proxy); 0 sends none. */
    HSTS_MAX_AGE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(365 * 24 * 3600),
    /** Proxies whose X-Forwarded-For names the client the sign-in limits count by; none by default. */
    TRUST_PROXY: trustProxyField(),
    BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
    /** Body limit of POST and PUT /api/v1/search/documents (a batch of up to 1,000 documents). */
    SEARCH_DOCUMENTS_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(32 * 1024 * 1024),
    /** Largest file POST /api/v1/storage/files takes (streamed, never whole in memory). */
    STORAGE_FILE_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(100 * 1024 * 1024),
    /** Largest file POST /api/v1/search/files takes. */
    SEARCH_FILE_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(20 * 1024 * 1024),
    /** Largest recording the audio and voice-message routes take (OpenAI's limit: 25 MB). */
    VOICE_UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(25 * 1024 * 1024),
    /** Largest batch request file `POST /v1/files` takes (media-gen has its own limit too). */
    BATCH_FILE_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(100 * 1024 * 1024),
    /** Largest file the health upload routes (FIT files and zips of them, blood test files) take. */
    HEALTH_UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(100 * 1024 * 1024),
    /** Largest Apple Health export `POST /api/v1/health/uploads/apple-health` takes (streamed, never held). */
    HEALTH_EXPORT_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3),
    /** Body limit of the Garmin Health API webhooks (a push can carry many summaries). */
    HEALTH_WEBHOOK_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    /**
     * The shared secret Garmin Health API notifications must carry (X-Webhook-Secret header or `secret`
     * query parameter); unset, the webhooks answer 503.
     */
    GARMIN_WEBHOOK_SECRET: z.string().min(16).optional(),
    /** Of a body refused for its size, how much is read and discarded so the 413 reaches a client still sending it. */
    BODY_DRAIN_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(16 * 1024 * 1024),
    WS_PING_INTERVAL_MS: configFields.milliseconds(30_000),
    WS_MAX_STREAMS_PER_CONNECTION: z.coerce.number().int().positive().default(16),
    /** Largest binary audio frame `/ws/voice` passes on (48 kHz pcm16: 1,920 bytes per 20 ms). */
    VOICE_MAX_FRAME_BYTES: z.coerce.number().int().min(320).max(262_144).default(32_768),
    /** The Twilio account's auth token: checks X-Twilio-Signature on the call webhooks; unset, phone calls are off (503). */
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    /** The https origin Twilio reaches this gateway at: the signed webhook URLs and the wss:// media stream URL are made from it. */
    TWILIO_PUBLIC_BASE_URL: z.url().optional(),
    /**
     * Which platform user answers calls to which of the account's numbers: `+15551230001=<user id>,…`
     * (E.164 number, `=`, the user's id). Calls to numbers not listed are rejected.
     */
    TWILIO_NUMBERS: phoneNumberMap.prefault(''),
    /** How long the one-time media stream token in a webhook's TwiML stays valid. */
    TWILIO_CALL_TOKEN_TTL_MS: configFields.milliseconds(60_000),
    /** Requests per window per API key (or per user, without a key); 0 turns the limit off. */
    RATE_LIMIT_REQUESTS_PER_MINUTE: z.coerce.number().int().min(0).max(MAX_REQUESTS_PER_MINUTE).default(600),
    /** Streams in flight at once per user, and per API key; 0 turns the limit off. */
    RATE_LIMIT_CONCURRENT_STREAMS: z.coerce.number().int().min(0).max(MAX_CONCURRENT_STREAMS).default(20),
    /** The sliding window the per-minute limit counts over: a minute, shortened only by tests. */
    RATE_LIMIT_WINDOW_MS: configFields.milliseconds(60_000),
    /** A stream's slot expires this long after its replica last renewed it, so a crashed replica leaks nothing for long. */
    RATE_LIMIT_STREAM_LEASE_TTL_MS: z.coerce.number().int().min(1_000).default(30_000),
  });
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  loadConfig(GatewayConfigSchema, env);
