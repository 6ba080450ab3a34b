import { z } from 'zod';
import {
  defineEvent,
  defineRequest,
  defineStream,
  IdempotencyKeySchema,
  SeqSchema,
  streamErrorEvent,
} from './definitions';
import { ErrorCode } from './errors';

/**
 * The media-gen service: durable generation jobs (images and videos). A job is accepted at once (stored,
 * and queued in a JetStream stream before the answer), run by one replica in the background, retried
 * when its provider is busy, and its results kept in storage, read through signed expiring URLs.
 * Every request is answered for the envelope's user only.
 */

/** The image model that needs no provider: a picture drawn from the prompt, labelled a placeholder. */
export const OFFLINE_IMAGE_MODEL = 'offline/placeholder-image';
export const MAX_IMAGE_PROMPT_CHARS = 4_000;
export const MAX_IMAGES_PER_JOB = 4;
export const DEFAULT_JOB_PAGE_SIZE = 20;
export const MAX_JOB_PAGE_SIZE = 100;

export const ImageSizeSchema = z.enum([
  '256x256',
  '512x512',
  '1024x1024',
  '1536x1024',
  '1024x1536',
  '1792x1024',
  '1024x1792',
]);
export type ImageSize = z.infer<typeof ImageSizeSchema>;

/** `low`/`medium`/`high`/`auto` are gpt-image-1's, `standard`/`hd` dall-e-3's; each model takes its own. */
export const ImageQualitySchema = z.enum(['auto', 'low', 'medium', 'high', 'standard', 'hd']);
export type ImageQuality = z.infer<typeof ImageQualitySchema>;

export const ImageModelIdSchema = z
  .string()
  .regex(/^[a-z0-9-]+\/[A-Za-z0-9._:-]{1,100}$/, 'must be <provider>/<model>, e.g. openai/gpt-image-1');

/** The video model that needs no provider: a short clip made with ffmpeg from the prompt, labelled a placeholder. */
export const OFFLINE_VIDEO_MODEL = 'offline/placeholder-video';
export const MAX_VIDEO_PROMPT_CHARS = 4_000;
export const MAX_VIDEO_SECONDS = 20;
/** Largest input image sent inline (decoded bytes): it travels in one bus message. */
export const MAX_INPUT_IMAGE_BYTES = 512 * 1024;
export const InputImageTypeSchema = z.enum(['image/png', 'image/jpeg', 'image/webp']);

/** Width x height; each model takes its own (Sora: 1280x720, 720x1280, 1792x1024, 1024x1792). */
export const VideoSizeSchema = z.enum([
  '640x360',
  '360x640',
  '480x480',
  '1280x720',
  '720x1280',
  '1792x1024',
  '1024x1792',
]);
export type VideoSize = z.infer<typeof VideoSizeSchema>;

/** A result of one of the caller's own succeeded image jobs. */
export const JobFileRefSchema = z.strictObject({
  jobId: z.uuid(),
  index: z
    .number()
    .int()
    .min(0)
    .max(MAX_IMAGES_PER_JOB - 1)
    .default(0),
});

/** An image sent with the request, base64 (no data: prefix). */
export const InlineImageSchema = z.strictObject({
  contentType: InputImageTypeSchema,
  base64: z
    .base64()
    .max(Math.ceil(MAX_INPUT_IMAGE_BYTES / 3) * 4, `must decode to at most ${MAX_INPUT_IMAGE_BYTES} bytes`),
});

/** An image a job starts from: a stored image result of the caller's, or an upload. */
export const InputImageRefSchema = z.union([
  z.strictObject({ file: JobFileRefSchema }),
  z.strictObject({ upload: InlineImageSchema }),
]);
export type InputImageRef = z.output<typeof InputImageRefSchema>;

/**
 * An input image as a job stores and shows it: an upload is kept in storage beside the job's results and
 * described here by its type, size and digest instead of its bytes.
 */
export const StoredInputImageSchema = z.union([
  z.strictObject({ file: JobFileRefSchema }),
  z.strictObject({
    upload: z.strictObject({
      contentType: InputImageTypeSchema,
      bytes: z.number().int().positive(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  }),
]);
export type StoredInputImage = z.output<typeof StoredInputImageSchema>;

/** What every image job takes, whatever it starts from. */
const imageJobFields = {
  prompt: z
    .string()
    .max(MAX_IMAGE_PROMPT_CHARS)
    .refine((s) => s.trim().length > 0, { message: 'must not be empty or blank' }),
  model: ImageModelIdSchema.default(OFFLINE_IMAGE_MODEL),
  size: ImageSizeSchema.default('1024x1024'),
  quality: ImageQualitySchema.optional(),
  /** Images to generate. */
  n: z.number().int().min(1).max(MAX_IMAGES_PER_JOB).default(1),
};

const decodedBytes = (ref: InputImageRef | undefined): number =>
  ref && 'upload' in ref ? Math.floor((ref.upload.base64.replace(/=+$/, '').length * 3) / 4) : 0;

export const ImageJobInputSchema = z
  .strictObject({
    ...imageJobFields,
    /** An edit: the picture to change (models that edit: gpt-image-1, dall-e-2, Gemini's). */
    image: InputImageRefSchema.optional(),
    /** With `image`: a PNG of its size whose transparent pixels mark what to repaint (gpt-image-1, dall-e-2). */
    mask: InputImageRefSchema.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.mask && !input.image)
      ctx.addIssue({ code: 'custom', path: ['mask'], message: 'needs the image it masks (image)' });
    // Both travel in one bus message.
    if (decodedBytes(input.image) + decodedBytes(input.mask) > MAX_INPUT_IMAGE_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['mask'],
        message: `uploads of image and mask together must decode to at most ${MAX_INPUT_IMAGE_BYTES} bytes`,
      });
    }
  });
export type ImageJobInput = z.output<typeof ImageJobInputSchema>;

/** An image job's input as stored and shown: uploaded pictures by their digest. */
export const StoredImageJobInputSchema = z.strictObject({
  ...imageJobFields,
  image: StoredInputImageSchema.optional(),
  mask: StoredInputImageSchema.optional(),
});
export type StoredImageJobInput = z.output<typeof StoredImageJobInputSchema>;

export const VideoJobInputSchema = z.strictObject({
  prompt: z
    .string()
    .max(MAX_VIDEO_PROMPT_CHARS)
    .refine((s) => s.trim().length > 0, { message: 'must not be empty or blank' }),
  model: ImageModelIdSchema.default(OFFLINE_VIDEO_MODEL),
  size: VideoSizeSchema.default('1280x720'),
  /** Length of the clip; each model takes its own (Sora: 4, 8 or 12). */
  seconds: z.number().int().min(1).max(MAX_VIDEO_SECONDS).default(4),
  /** Image-to-video: the picture the clip starts from. Text-to-video without it. */
  image: InputImageRefSchema.optional(),
});
export type VideoJobInput = z.output<typeof VideoJobInputSchema>;

/** A video job's input as stored and shown: an uploaded first frame by its digest. */
export const StoredVideoJobInputSchema = VideoJobInputSchema.extend({
  image: StoredInputImageSchema.optional(),
});
export type StoredVideoJobInput = z.output<typeof StoredVideoJobInputSchema>;

/** What an image model takes, and whether this deployment can run it (its provider has a key here). */
export const ImageModelInfoSchema = z.object({
  id: z.string(),
  sizes: z.array(ImageSizeSchema),
  /** The first is the one its provider uses when a request names none. */
  qualities: z.array(ImageQualitySchema),
  /** The largest `n` it takes. */
  maxImages: z.number().int().positive(),
  /** What it edits: nothing, a picture, or a picture with a mask. */
  edits: z.enum(['none', 'image', 'mask']),
  /** false when its provider is not configured here (asking for it is 404 MODEL_UNAVAILABLE). */
  available: z.boolean(),
});
export type ImageModelInfo = z.infer<typeof ImageModelInfoSchema>;

export const ImageModelListSchema = z.object({ models: z.array(ImageModelInfoSchema) });
export type ImageModelList = z.infer<typeof ImageModelListSchema>;

export const JobStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatusSchema>;
export const FinalJobStatusSchema = z.enum(['succeeded', 'failed', 'cancelled']);
export type FinalJobStatus = z.infer<typeof FinalJobStatusSchema>;

/** One generated file: a signed URL (relative to the gateway, expiring), its type, size and what made it. */
export const MediaResultSchema = z.object({
  url: z.string(),
  /** When `url` stops working; read the job again for a fresh one. */
  urlExpiresAt: z.iso.datetime(),
  contentType: z.string(),
  bytes: z.number().int().nonnegative(),
  /** The provider's details: model, size, revised prompt; `placeholder: true` for the offline model. */
  metadata: z.record(z.string(), z.unknown()),
});
export type MediaResult = z.infer<typeof MediaResultSchema>;

export const JobKindSchema = z.enum(['image', 'video']);
export type JobKind = z.infer<typeof JobKindSchema>;

const MediaJobFields = {
  id: z.uuid(),
  status: JobStatusSchema,
  model: z.string(),
  /** 0 to 100 while running, when the provider reports it; null otherwise. */
  progress: z.number().min(0).max(100).nullable(),
  /** Deliveries to a worker so far (a worker that died counts too). */
  attempts: z.number().int().nonnegative(),
  results: z.array(MediaResultSchema),
  /** Why it failed; null unless `status` is `failed`. */
  failureReason: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
};

/** A job and its input, told apart by `kind`. */
export const MediaJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('image'), input: StoredImageJobInputSchema, ...MediaJobFields }),
  z.object({ kind: z.literal('video'), input: StoredVideoJobInputSchema, ...MediaJobFields }),
]);
export type MediaJob = z.infer<typeof MediaJobSchema>;

export const JobRefSchema = z.strictObject({ id: z.uuid() });

export const AcceptedJobSchema = z.object({
  jobId: z.uuid(),
  status: JobStatusSchema,
  /** false when an earlier request with the same idempotency key created it. */
  created: z.boolean(),
});
export type AcceptedJob = z.infer<typeof AcceptedJobSchema>;

export const ListJobsQuerySchema = z.strictObject({
  status: JobStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_JOB_PAGE_SIZE).default(DEFAULT_JOB_PAGE_SIZE),
  /** From `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type ListJobsQuery = z.output<typeof ListJobsQuerySchema>;

export const JobPageSchema = z.object({
  /** Newest first. */
  data: z.array(MediaJobSchema),
  nextCursor: z.string().nullable(),
});
export type JobPage = z.infer<typeof JobPageSchema>;

/** What a signed result URL carries: which file, until when, and the signature over both and the owner. */
export const SignedFileRefSchema = z.strictObject({
  jobId: z.uuid(),
  index: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_IMAGES_PER_JOB - 1),
  /** Unix seconds. */
  expires: z.coerce.number().int().positive(),
  /** HMAC-SHA256, hex. */
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
export type SignedFileRef = z.infer<typeof SignedFileRefSchema>;

/**
 * The JetStream Object Store bucket through which files too large for one bus message travel from the
 * media-gen service to the gateway; the reader removes them, unread ones expire.
 */
export const MEDIA_DOWNLOADS_BUCKET = 'MEDIA_DOWNLOADS';

export const FileContentSchema = z.object({
  contentType: z.string(),
  bytes: z.number().int().nonnegative(),
  /** base64 in the message itself when it fits, else an object in {@link MEDIA_DOWNLOADS_BUCKET}. */
  content: z.union([
    z.strictObject({ inline: z.base64() }),
    z.strictObject({ download: z.string().min(1).max(200) }),
  ]),
});
export type FileContent = z.infer<typeof FileContentSchema>;

/** A job's live progress: `queued`, `running` (with `percent` when known), then one `done` with the outcome. */
export const JobStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ seq: SeqSchema, type: z.literal('queued'), jobId: z.uuid() }),
  z.object({
    seq: SeqSchema,
    type: z.literal('running'),
    jobId: z.uuid(),
    attempt: z.number().int().positive(),
    percent: z.number().min(0).max(100).nullable(),
  }),
  z.object({
    seq: SeqSchema,
    type: z.literal('done'),
    jobId: z.uuid(),
    status: FinalJobStatusSchema,
    results: z.array(MediaResultSchema),
    /** Why it failed; null unless `status` is `failed`. */
    reason: z.string().nullable(),
  }),
  streamErrorEvent,
]);
export type JobStreamEvent = z.infer<typeof JobStreamEventSchema>;

/** Where a job stands, as the replica running it announces it to every replica watching it. */
export const JobProgressedEventSchema = z.strictObject({
  jobId: z.uuid(),
  update: z.discriminatedUnion('type', [
    /** Waiting to be tried again after a provider fault. */
    z.strictObject({ type: z.literal('queued') }),
    z.strictObject({
      type: z.literal('running'),
      attempt: z.number().int().positive(),
      percent: z.number().min(0).max(100).nullable(),
    }),
    z.strictObject({ type: z.literal('finished'), status: FinalJobStatusSchema }),
  ]),
});
export type JobProgressedEvent = z.infer<typeof JobProgressedEventSchema>;

const jobErrors = [ErrorCode.NotFound] as const;

export const MediaGenContract = {
  checkHealth: defineRequest({
    subject: 'media-gen.health.check',
    request: z.object({}).strict(),
    response: z.object({ service: z.literal('media-gen'), status: z.literal('ok') }),
  }),
  /**
   * Accepts an image job: stored as `queued` and in the durable job stream before the answer. With an
   * idempotency key the caller used before, the job it created then (CONFLICT if the input differs).
   */
  createImageJob: defineRequest({
    subject: 'media-gen.job.create',
    request: z.strictObject({ input: ImageJobInputSchema, idempotencyKey: IdempotencyKeySchema.optional() }),
    response: AcceptedJobSchema,
    errors: [ErrorCode.UnknownModel, ErrorCode.ModelUnavailable, ErrorCode.Conflict],
  }),
  /**
   * Accepts a video job (text-to-video, or image-to-video with `image`), as `createImageJob` does; an
   * image file reference must name a succeeded image job of the caller's.
   */
  createVideoJob: defineRequest({
    subject: 'media-gen.video.create',
    request: z.strictObject({ input: VideoJobInputSchema, idempotencyKey: IdempotencyKeySchema.optional() }),
    response: AcceptedJobSchema,
    errors: [ErrorCode.UnknownModel, ErrorCode.ModelUnavailable, ErrorCode.Conflict, ErrorCode.NotFound],
  }),
  /** The image models this service knows, with what each takes and whether it can run here. */
  listImageModels: defineRequest({
    subject: 'media-gen.image-model.list',
    request: z.strictObject({}),
    response: ImageModelListSchema,
  }),
  getJob: defineRequest({
    subject: 'media-gen.job.get',
    request: JobRefSchema,
    response: MediaJobSchema,
    errors: jobErrors,
  }),
  listJobs: defineRequest({
    subject: 'media-gen.job.list',
    request: ListJobsQuerySchema,
    response: JobPageSchema,
  }),
  /** Stops a queued or running job; CONFLICT once it has finished. */
  cancelJob: defineRequest({
    subject: 'media-gen.job.cancel',
    request: JobRefSchema,
    response: MediaJobSchema,
    errors: [ErrorCode.NotFound, ErrorCode.Conflict],
  }),
  /** Deletes a finished job and its stored files; CONFLICT while it is queued or running (cancel it first). */
  deleteJob: defineRequest({
    subject: 'media-gen.job.delete',
    request: JobRefSchema,
    response: z.object({ id: z.uuid(), deleted: z.literal(true) }),
    errors: [ErrorCode.NotFound, ErrorCode.Conflict],
  }),
  /** Streams a job's progress from where it stands to its outcome (at once for a finished job). */
  watchJob: defineRequest({
    subject: 'media-gen.job.watch',
    request: z.strictObject({ jobId: z.uuid(), streamId: z.uuid() }),
    response: z.object({ streamId: z.uuid(), jobId: z.uuid() }),
    errors: jobErrors,
  }),
  jobStream: defineStream({
    name: 'media-gen.job',
    event: JobStreamEventSchema,
    retention: { stream: 'MEDIA_GEN_JOB_EVENTS' },
  }),
  /** A result file, for a signed URL that is valid, unexpired and the caller's. */
  readFile: defineRequest({
    subject: 'media-gen.file.read',
    request: SignedFileRefSchema,
    response: FileContentSchema,
    errors: [ErrorCode.NotFound, ErrorCode.Forbidden],
  }),
  /** A job to run; durable, consumed by the media-gen workers. */
  jobAccepted: defineEvent({
    subject: 'media-gen.job.accepted',
    payload: z.strictObject({ jobId: z.uuid() }),
    durable: { stream: 'MEDIA_GEN_JOBS' },
  }),
  /** Heard by every media-gen replica: feeds the job streams it produces. */
  jobProgressed: defineEvent({
    subject: 'media-gen.job.progressed',
    payload: JobProgressedEventSchema,
  }),
  /** Heard by every media-gen replica: the one running the job stops it. */
  jobCancelled: defineEvent({
    subject: 'media-gen.job.cancelled',
    payload: z.strictObject({ jobId: z.uuid() }),
  }),
} as const;

/** The durable consumer through which media-gen workers take accepted jobs. */
export const MEDIA_GEN_WORKER_CONSUMER = 'media-gen-worker';
