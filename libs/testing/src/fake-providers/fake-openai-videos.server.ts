import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { parseMultipart, sendJson, startFakeHttpServer, type FakeHttpRequest } from './fake-http.server';

/** How one created video goes, scripted per create call. */
export type FakeVideoScript =
  /** Queued, then in progress, `completed` at the `polls`-th status read (default 3). */
  | { kind: 'complete'; polls?: number }
  /** `failed` with the error at the `afterPolls`-th status read (default 1): `moderation_blocked` is a refusal. */
  | { kind: 'fail'; code: string; message: string; afterPolls?: number }
  /** Stuck `in_progress` at the same percentage for good. */
  | { kind: 'never' }
  /** `in_progress` until `releaseHeld()`, then `completed` at the next status read. */
  | { kind: 'held' }
  /** The create call itself answers this error. */
  | {
      kind: 'http-error';
      status: number;
      code?: string;
      type?: string;
      message?: string;
      retryAfterSeconds?: number;
    };

export interface FakeOpenAIVideosOptions {
  apiKey: string;
}

export interface FakeOpenAIVideosServer {
  /** The base URL to hand to the SDK (`baseURL`). */
  readonly url: string;
  readonly requests: readonly FakeHttpRequest[];
  /** The create calls' fields, as multipart parsed them (the input image's type and size, not its bytes). */
  readonly created: readonly Record<string, string | { type: string; bytes: number }>[];
  /** Scripts the next created videos, one script each; unscripted ones complete. */
  enqueue(...scripts: FakeVideoScript[]): void;
  /** Lets every `held` video complete at its next status read. */
  releaseHeld(): void;
  /** The next status reads answer this error instead (e.g. a 429 with Retry-After). */
  failStatusReads(count: number, status: number, retryAfterSeconds?: number): void;
  reset(): void;
  activeResponses(): number;
  close(): Promise<void>;
}

/** The bytes the fake serves as every finished video: an MP4 `ftyp` box, then the video's id. */
export function fakeOpenAIVideoContent(videoId: string): Buffer {
  const ftyp = Buffer.from([0, 0, 0, 0x14, ...Buffer.from('ftypmp42'), 0, 0, 0, 0, ...Buffer.from('mp42')]);
  return Buffer.concat([ftyp, Buffer.from(videoId)]);
}

const SIZES: Record<string, readonly string[]> = {
  'sora-2': ['720x1280', '1280x720'],
  'sora-2-pro': ['720x1280', '1280x720', '1024x1792', '1792x1024'],
};
const SECONDS = ['4', '8', '12'];

interface FakeVideo {
  id: string;
  model: string;
  prompt: string;
  seconds: string;
  size: string;
  createdAt: number;
  script: FakeVideoScript;
  reads: number;
  released: boolean;
}

const errorBody = (message: string, type: string, param: string | null, code: string | null) => ({
  error: { message, type, param, code },
});

/**
 * OpenAI's videos API (`/v1/videos`) as the SDK speaks it: a multipart create checked per model (size,
 * seconds, prompt, an input image), status reads that move the job along its script with `progress`,
 * and the MP4 download once it is `completed`. Bearer auth as OpenAI answers it (401 `invalid_api_key`).
 */
export async function startFakeOpenAIVideos(
  options: FakeOpenAIVideosOptions,
): Promise<FakeOpenAIVideosServer> {
  const videos = new Map<string, FakeVideo>();
  const scripts: FakeVideoScript[] = [];
  const created: Record<string, string | { type: string; bytes: number }>[] = [];
  let statusErrors: { count: number; status: number; retryAfterSeconds?: number } = { count: 0, status: 0 };

  const invalid = (
    res: ServerResponse,
    message: string,
    param: string | null,
    code: string | null = 'invalid_value',
  ) => sendJson(res, 400, errorBody(message, 'invalid_request_error', param, code));

  function view(video: FakeVideo) {
    const { script, reads } = video;
    let status: 'queued' | 'in_progress' | 'completed' | 'failed' = reads === 0 ? 'queued' : 'in_progress';
    let progress = 0;
    let error: { code: string; message: string } | null = null;
    if (script.kind === 'complete') {
      const polls = script.polls ?? 3;
      progress = Math.min(100, Math.floor((reads / polls) * 100));
      if (reads >= polls) status = 'completed';
    } else if (script.kind === 'fail' && reads >= (script.afterPolls ?? 1)) {
      status = 'failed';
      error = { code: script.code, message: script.message };
    } else if (script.kind === 'never' && reads > 0) {
      progress = 42;
    } else if (script.kind === 'held' && reads > 0) {
      progress = 50;
      if (video.released) status = 'completed';
    }
    return {
      id: video.id,
      object: 'video',
      model: video.model,
      status,
      progress: status === 'completed' ? 100 : progress,
      prompt: video.prompt,
      seconds: video.seconds,
      size: video.size,
      created_at: video.createdAt,
      completed_at: status === 'completed' ? Math.floor(Date.now() / 1000) : null,
      expires_at: status === 'completed' ? Math.floor(Date.now() / 1000) + 3600 : null,
      error,
      remixed_from_video_id: null,
    };
  }

  async function create(request: FakeHttpRequest, res: ServerResponse): Promise<void> {
    const script = scripts.shift() ?? { kind: 'complete' };
    if (script.kind === 'http-error') {
      return sendJson(
        res,
        script.status,
        errorBody(
          script.message ?? `fake error ${script.status}`,
          script.type ?? 'server_error',
          null,
          script.code ?? null,
        ),
        script.retryAfterSeconds === undefined ? {} : { 'retry-after': String(script.retryAfterSeconds) },
      );
    }
    let form: FormData;
    try {
      form = await parseMultipart(request);
    } catch {
      return invalid(res, 'The request body must be multipart/form-data.', null, null);
    }
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === 'string' ? value : undefined;
    };
    const model = field('model') ?? 'sora-2';
    const size = field('size') ?? '720x1280';
    const seconds = field('seconds') ?? '4';
    const prompt = field('prompt');
    const reference = form.get('input_reference');
    const record: Record<string, string | { type: string; bytes: number }> = { model, size, seconds };
    if (prompt !== undefined) record.prompt = prompt;
    if (reference instanceof Blob) record.input_reference = { type: reference.type, bytes: reference.size };
    created.push(record);
    const sizes = SIZES[model];
    if (!sizes)
      return invalid(
        res,
        `Invalid value: '${model}'. Supported values are: 'sora-2' and 'sora-2-pro'.`,
        'model',
      );
    if (!prompt)
      return invalid(res, "Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
    if (!sizes.includes(size))
      return invalid(
        res,
        `Invalid value: '${size}'. Supported values are: ${sizes.map((s) => `'${s}'`).join(', ')}.`,
        'size',
      );
    if (!SECONDS.includes(seconds))
      return invalid(
        res,
        `Invalid value: '${seconds}'. Supported values are: '4', '8', and '12'.`,
        'seconds',
      );
    if (
      reference !== null &&
      !(reference instanceof Blob && /^image\/(png|jpeg|webp)$/.test(reference.type))
    ) {
      return invalid(
        res,
        'input_reference must be a PNG, JPEG or WebP image.',
        'input_reference',
        'invalid_image_format',
      );
    }
    const video: FakeVideo = {
      id: `video_${randomBytes(12).toString('hex')}`,
      model,
      prompt,
      seconds,
      size,
      createdAt: Math.floor(Date.now() / 1000),
      script,
      reads: 0,
      released: false,
    };
    videos.set(video.id, video);
    sendJson(res, 200, view(video));
  }

  const http = await startFakeHttpServer(async (request, res) => {
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendJson(
        res,
        401,
        errorBody('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key'),
      );
    }
    if (request.method === 'POST' && request.path === '/v1/videos') return create(request, res);
    const match = /^\/v1\/videos\/([^/]+)(\/content)?$/.exec(request.path);
    const video = match ? videos.get(decodeURIComponent(match[1]!)) : undefined;
    if (request.method !== 'GET' || !match) {
      return sendJson(
        res,
        404,
        errorBody(`Invalid URL (${request.method} ${request.path})`, 'invalid_request_error', null, null),
      );
    }
    if (!video) {
      return sendJson(
        res,
        404,
        errorBody(`Video with id '${match[1]}' not found.`, 'invalid_request_error', null, 'not_found'),
      );
    }
    if (match[2]) {
      if (view(video).status !== 'completed') {
        return invalid(
          res,
          'Video is not ready yet, use GET /v1/videos/{video_id} to check status.',
          null,
          null,
        );
      }
      const content = fakeOpenAIVideoContent(video.id);
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(content.byteLength) });
      return void res.end(content);
    }
    if (statusErrors.count > 0) {
      statusErrors.count--;
      return sendJson(
        res,
        statusErrors.status,
        errorBody(
          `fake error ${statusErrors.status}`,
          statusErrors.status === 429 ? 'rate_limit_exceeded' : 'server_error',
          null,
          null,
        ),
        statusErrors.retryAfterSeconds === undefined
          ? {}
          : { 'retry-after': String(statusErrors.retryAfterSeconds) },
      );
    }
    video.reads++;
    sendJson(res, 200, view(video));
  });

  return {
    url: `${http.origin}/v1`,
    requests: http.requests,
    created,
    enqueue: (...next) => void scripts.push(...next),
    releaseHeld: () => {
      for (const video of videos.values()) if (video.script.kind === 'held') video.released = true;
    },
    failStatusReads: (count, status, retryAfterSeconds) => {
      statusErrors = { count, status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
    },
    reset: () => {
      scripts.length = 0;
      created.length = 0;
      statusErrors = { count: 0, status: 0 };
      http.clearRequests();
    },
    activeResponses: () => http.activeResponses(),
    close: () => http.close(),
  };
}
