import { z } from 'zod';
import { MeteringConfigSchema } from '@conduit/metering';
import { configFields, DatabaseConfigSchema, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const MediaGenConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(MeteringConfigSchema.shape)
  .extend({
    PORT: configFields.port(3105),
    /** `/metrics` (Prometheus) is served here only, never on PORT. */
    METRICS_PORT: configFields.port(9469),
    DATABASE_SCHEMA: configFields.schemaName().default('media-gen'),

    /**
     * What the offline image model makes: `drawn`, a picture drawn from the prompt's digest; `fixed`, the
     * same 1x1 PNG at once (load tests of the job path, `npm run bench -- media`).
     */
    MEDIA_OFFLINE_IMAGES: z.enum(['drawn', 'fixed']).default('drawn'),
    /** Enables the `openai/*` image models (gpt-image-1, dall-e-3, dall-e-2) and video models (sora-2, sora-2-pro). */
    OPENAI_API_KEY: z.string().min(1).optional(),
    /** An OpenAI-compatible images API elsewhere. */
    OPENAI_BASE_URL: z.url().optional(),
    /** Enables the `stability/*` image models (Stable Image Core and Ultra, Stable Diffusion 3.5 Large). */
    STABILITY_API_KEY: z.string().min(1).optional(),
    /** Stability's REST API, or a server that speaks it. */
    STABILITY_BASE_URL: z.url().default('https://api.stability.ai'),
    /** Enables the `google/*` image models (Gemini's image generation) through `@google/genai`. */
    GEMINI_API_KEY: z.string().min(1).optional(),
    /** The Gemini API elsewhere (a proxy or a server that speaks it); unset for Google's. */
    GEMINI_BASE_URL: z.url().optional(),
    /** Enables Anthropic's Message Batches for the `anthropic/*` lines of batches. */
    ANTHROPIC_API_KEY: z.string().min(1).optional(),
    ANTHROPIC_BASE_URL: z.url().optional(),
    /** Where the `openai/sora-*` video models are asked, when not at OPENAI_BASE_URL (a separate proxy or region). */
    OPENAI_VIDEOS_BASE_URL: z.url().optional(),
    /** Longest wait for one provider call; a call that takes longer is retried as a provider fault. */
    MEDIA_PROVIDER_TIMEOUT_MS: configFields.milliseconds(300_000),

    /** The ffmpeg the offline video model runs (a name on PATH or a path); without it that model is unavailable. */
    MEDIA_FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
    /** Pause between two status reads of a provider's video (create-then-poll APIs). */
    MEDIA_VIDEO_POLL_MS: configFields.milliseconds(5_000),
    /** Longest a provider's video may take from creation to download; then the job fails with that reason. */
    MEDIA_VIDEO_TIMEOUT_MS: configFields.milliseconds(1_200_000),

    /** Where files are kept: `local` (a folder, MEDIA_STORAGE_DIR) or `s3` (a bucket, MEDIA_S3_*). */
    MEDIA_STORAGE: z.enum(['local', 's3']).default('local'),
    /** Where the local-filesystem storage keeps generated files (one folder per user). */
    MEDIA_STORAGE_DIR: z.string().min(1).default('data/media-gen'),
    /** The bucket (required with MEDIA_STORAGE=s3). */
    MEDIA_S3_BUCKET: z.string().min(3).max(63).optional(),
    /** Put before every key, so environments can share a bucket: `production/`, `staging/` (ends with `/`). */
    MEDIA_S3_PREFIX: z
      .string()
      .regex(/^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*$/, 'folder names each ending with /, e.g. production/')
      .default(''),
    MEDIA_S3_REGION: z.string().min(1).default('us-east-1'),
    /** An S3-compatible server (MinIO, R2, Ceph, ...); unset for AWS. */
    MEDIA_S3_ENDPOINT: z.url().optional(),
    /** `bucket` in the path instead of the host name: what most S3-compatible servers need. */
    MEDIA_S3_FORCE_PATH_STYLE: z.stringbool().default(false),
    /** Both or neither; unset, the SDK's default chain (environment, profile, instance role) applies. */
    MEDIA_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    MEDIA_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** Part size of multipart uploads; objects up to this size go up in one request. S3's minimum: 5 MiB. */
    MEDIA_S3_PART_BYTES: count(5 * 1024 * 1024, 5 * 1024 * 1024 * 1024).default(8 * 1024 * 1024),
    /** Parts of one upload sent at once (each held in memory while it goes up). */
    MEDIA_S3_UPLOAD_CONCURRENCY: count(1, 16).default(4),
    /**
     * The key result URLs are signed with (HMAC-SHA256): every replica must share it. Unset, each process
     * makes up a random one (with a warning), so URLs only work on the replica that signed them.
     */
    MEDIA_URL_SECRET: z.string().min(32).optional(),
    /** How long a result URL works after the job is read. */
    MEDIA_URL_TTL_MS: configFields.milliseconds(3_600_000),
    /** Largest upload (`POST /api/v1/storage/files`) media-gen keeps; the gateway has its own limit too. */
    MEDIA_FILE_MAX_BYTES: count(1, Number.MAX_SAFE_INTEGER).default(100 * 1024 * 1024),
    /**
     * Hand out the storage's own presigned URLs (S3) for uploaded files instead of the gateway's: the bytes
     * then never pass through the gateway, but such a URL works for anyone holding it until it expires.
     */
    MEDIA_STORAGE_DIRECT_URLS: z.stringbool().default(false),
    /** Largest file answered in the bus message itself; larger ones go through the downloads bucket. */
    MEDIA_INLINE_FILE_MAX_BYTES: count(1, 700_000).default(512 * 1024),

    /**
     * Whether this process runs jobs. Off, it only answers requests (jobs are still accepted into the
     * durable stream, and run by a process where it is on).
     */
    MEDIA_WORKER_ENABLED: z.stringbool().default(true),
    /** Jobs one replica runs at once. */
    MEDIA_WORKER_CONCURRENCY: count(1, 64).default(4),
    /** Deliveries of a job (a crash counts as one) before it fails for good with the last reason. */
    MEDIA_JOB_MAX_ATTEMPTS: count(1, 100).default(5),
    /** First pause before a job the provider refused for now (429, 5xx) is tried again; doubled each time. */
    MEDIA_JOB_RETRY_BASE_MS: configFields.milliseconds(2_000),
    /** Longest pause between two tries (a provider's Retry-After is honoured up to this). */
    MEDIA_JOB_RETRY_MAX_MS: configFields.milliseconds(300_000),
    /**
     * How long JetStream waits for a worker to acknowledge a job before giving it to another replica;
     * extended while the job runs, so this bounds how soon the jobs of a replica that died run again.
     */
    MEDIA_JOB_ACK_WAIT_MS: configFields.milliseconds(30_000),
    /** Largest batch request file taken (JSONL, `POST /v1/files`). */
    MEDIA_BATCH_MAX_FILE_BYTES: count(1, 512 * 1024 * 1024).default(100 * 1024 * 1024),
    /** Most request lines in one batch file. */
    MEDIA_BATCH_MAX_REQUESTS: count(1, 50_000).default(50_000),
    /** Batches one replica runs at once. */
    MEDIA_BATCH_WORKER_CONCURRENCY: count(1, 64).default(2),
    /** Lines of one batch sent to the chat service at once. */
    MEDIA_BATCH_LINE_CONCURRENCY: count(1, 256).default(8),
    /**
     * Providers whose own batch API takes their models' batch lines (at its discount), when their key is
     * set here; every other line runs through the chat service. Empty: all through chat.
     */
    MEDIA_BATCH_PROVIDER_APIS: z
      .string()
      .default('openai,anthropic')
      .transform((list) =>
        list
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
      )
      .pipe(z.array(z.enum(['openai', 'anthropic']))),
    /** How often a provider's batch is polled until it ends. */
    MEDIA_BATCH_PROVIDER_POLL_MS: configFields.milliseconds(30_000),
    /** How long one line's completion may go without an event before it fails as lost. */
    MEDIA_BATCH_LINE_IDLE_TIMEOUT_MS: configFields.milliseconds(60_000),
    /** How often a job stream rereads its job, in case a progress message was lost. */
    MEDIA_WATCH_POLL_MS: configFields.milliseconds(5_000),
  })
  .superRefine((config, context) => {
    if (config.MEDIA_STORAGE === 's3' && !config.MEDIA_S3_BUCKET) {
      context.addIssue({
        code: 'custom',
        path: ['MEDIA_S3_BUCKET'],
        message: 'required with MEDIA_STORAGE=s3',
      });
    }
    if (!config.MEDIA_S3_ACCESS_KEY_ID !== !config.MEDIA_S3_SECRET_ACCESS_KEY) {
      context.addIssue({
        code: 'custom',
        path: ['MEDIA_S3_SECRET_ACCESS_KEY'],
        message: 'set MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY together',
      });
    }
  });
export type MediaGenConfig = z.infer<typeof MediaGenConfigSchema>;

export const loadMediaGenConfig = (env: NodeJS.ProcessEnv = process.env): MediaGenConfig =>
  loadConfig(MediaGenConfigSchema, env);
