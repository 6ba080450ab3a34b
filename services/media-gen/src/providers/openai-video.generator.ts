import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI, { NotFoundError, toFile } from 'openai';
import { openAIClient } from '@conduit/provider-clients';
import { ErrorCode } from '@conduit/contracts';
import type { GenerationControls } from './image-generator.port';
import { failureOf } from './openai-image.generator';
import { ProviderFailure } from './provider-failure';
import type { GeneratedVideo, VideoGenerator, VideoRequest } from './video-generator.port';

export interface OpenAIVideoOptions {
  apiKey: string;
  baseURL?: string;
  /** Longest wait for one HTTP call. */
  requestTimeoutMs: number;
  /** Pause between two status reads. */
  pollIntervalMs: number;
  /** Longest a clip may take from its creation to its download; then the job fails with that reason. */
  timeoutMs: number;
}

/** Failure codes of a finished-but-failed video that say the content was refused, not that the service broke. */
const REFUSED = new Set(['moderation_blocked', 'content_policy_violation', 'content_filter']);
/** Failure codes that may pass on a later try. */
const TRANSIENT = new Set(['internal_error', 'server_error', 'rate_limit_exceeded']);

/**
 * Videos through OpenAI's videos API (Sora) with the official SDK: create, read the status until it is
 * `completed` or `failed` (its `progress` is the job's), then download the MP4. A status read that fails
 * for a reason that may pass (429, 5xx) is tried again at the next poll rather than starting over.
 */
export class OpenAIVideoGenerator implements VideoGenerator {
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAIVideoOptions) {
    this.client = openAIClient({
      apiKey: options.apiKey,
      baseURL: options.baseURL || undefined,
      timeoutMs: options.requestTimeoutMs,
    });
  }

  async generate(request: VideoRequest, controls: GenerationControls): Promise<GeneratedVideo> {
    const { signal } = controls;
    const deadline = Date.now() + this.options.timeoutMs;
    let video = await this.earlierVideo(controls);
    if (!video) {
      video = await this.create(request, signal);
      await controls.resume?.keep(video.id);
    }
    let lastProgress = -1;
    for (;;) {
      if (video.progress !== lastProgress && video.status === 'in_progress') {
        lastProgress = video.progress;
        controls.onProgress(Math.max(0, Math.min(99, video.progress)));
      }
      if (video.status === 'completed') break;
      if (video.status === 'failed') throw failedVideo(video);
      if (Date.now() + this.options.pollIntervalMs > deadline) {
        throw new ProviderFailure(
          ErrorCode.ProviderTimeout,
          `OpenAI video ${video.id} did not finish within ${Math.round(this.options.timeoutMs / 1000)} s ` +
            `(last status ${video.status}, ${video.progress}%)`,
          false,
        );
      }
      await sleep(this.options.pollIntervalMs, undefined, { signal }).catch(() => {
        throw signal.reason;
      });
      try {
        video = await this.client.videos.retrieve(video.id, { signal });
      } catch (error) {
        const failure = failureOf(error, signal);
        if (!(failure instanceof ProviderFailure) || !failure.retryable) throw failure;
        // A status read refused for now: the clip is still being made, read again at the next poll.
      }
    }
    let data: Uint8Array;
    try {
      const response = await this.client.videos.downloadContent(video.id, { variant: 'video' }, { signal });
      data = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw failureOf(error, signal);
    }
    return {
      data,
      contentType: 'video/mp4',
      metadata: {
        model: `openai/${request.model}`,
        providerVideoId: video.id,
        size: video.size,
        seconds: Number(video.seconds),
        fromImage: request.image !== undefined,
        created: video.created_at,
        completed: video.completed_at,
        ...(controls.resume?.providerRef === video.id ? { resumed: true } : {}),
      },
    };
  }

  /**
   * The video an earlier attempt created, when it is still worth following: in progress or done. One that
   * failed, or that the provider no longer knows, is made again.
   */
  private async earlierVideo(controls: GenerationControls): Promise<OpenAI.Videos.Video | null> {
    const id = controls.resume?.providerRef;
    if (!id) return null;
    try {
      const video = await this.client.videos.retrieve(id, { signal: controls.signal });
      return video.status === 'failed' ? null : video;
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw failureOf(error, controls.signal);
    }
  }

  private async create(request: VideoRequest, signal: AbortSignal): Promise<OpenAI.Videos.Video> {
    try {
      return await this.client.videos.create(
        {
          model: request.model,
          prompt: request.prompt,
          seconds: String(request.seconds) as OpenAI.Videos.VideoSeconds,
          size: request.size as OpenAI.Videos.VideoSize,
          ...(request.image
            ? {
                input_reference: await toFile(request.image.data, 'input-image', {
                  type: request.image.contentType,
                }),
              }
            : {}),
        },
        { signal },
      );
    } catch (error) {
      throw failureOf(error, signal);
    }
  }
}

function failedVideo(video: OpenAI.Videos.Video): ProviderFailure {
  const code = video.error?.code ?? 'unknown';
  const message = `OpenAI video ${video.id} failed (${code}): ${video.error?.message ?? 'no reason given'}`;
  if (REFUSED.has(code)) return new ProviderFailure(ErrorCode.ProviderContentRejected, message, false);
  return new ProviderFailure(ErrorCode.ProviderBadResponse, message, TRANSIENT.has(code));
}
