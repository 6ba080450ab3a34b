import { Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@conduit/contracts';
import type { MediaGenConfig } from '../config';
import { probeFfmpeg } from './ffmpeg-engine';
import { OfflineVideoGenerator } from './offline-video.generator';
import { OpenAIVideoGenerator } from './openai-video.generator';
import type { VideoGenerator } from './video-generator.port';
import type { VideoModel, VideoProvider } from './video-models';

/** Why a provider is not available here, as a caller is told it. */
interface Missing {
  message: string;
  variable: string;
}

/** The video adapters this deployment can run; adding one is one entry here. */
export class VideoGenerators {
  private constructor(
    private readonly byProvider: Partial<Record<VideoProvider, VideoGenerator>>,
    private readonly missing: Partial<Record<VideoProvider, Missing>>,
  ) {}

  /** Probes ffmpeg for the offline model: without it the service still starts, and says what is missing. */
  static async create(config: MediaGenConfig): Promise<VideoGenerators> {
    const byProvider: Partial<Record<VideoProvider, VideoGenerator>> = {};
    const missing: Partial<Record<VideoProvider, Missing>> = {};
    const ffmpeg = await probeFfmpeg(config.MEDIA_FFMPEG_PATH);
    if (ffmpeg.ok) {
      byProvider.offline = new OfflineVideoGenerator(ffmpeg.engine, config.MEDIA_PROVIDER_TIMEOUT_MS);
    } else {
      missing.offline = {
        message: `The offline video model needs ffmpeg, which is missing: ${ffmpeg.reason}. Install ffmpeg or set MEDIA_FFMPEG_PATH`,
        variable: 'MEDIA_FFMPEG_PATH',
      };
      new Logger(VideoGenerators.name).warn(`offline video engine missing: ${ffmpeg.reason}`);
    }
    if (config.OPENAI_API_KEY) {
      byProvider.openai = new OpenAIVideoGenerator({
        apiKey: config.OPENAI_API_KEY,
        ...((config.OPENAI_VIDEOS_BASE_URL ?? config.OPENAI_BASE_URL)
          ? { baseURL: config.OPENAI_VIDEOS_BASE_URL ?? config.OPENAI_BASE_URL }
          : {}),
        requestTimeoutMs: config.MEDIA_PROVIDER_TIMEOUT_MS,
        pollIntervalMs: config.MEDIA_VIDEO_POLL_MS,
        timeoutMs: config.MEDIA_VIDEO_TIMEOUT_MS,
      });
    } else {
      missing.openai = { message: 'needs OPENAI_API_KEY to be set', variable: 'OPENAI_API_KEY' };
    }
    return new VideoGenerators(byProvider, missing);
  }

  /** MODEL_UNAVAILABLE when the model's provider is not configured (or its engine is missing) here. */
  for(model: VideoModel): VideoGenerator {
    const generator = this.byProvider[model.provider];
    if (!generator) {
      const missing = this.missing[model.provider];
      throw new DomainError(
        ErrorCode.ModelUnavailable,
        `${model.id} ${missing?.message ?? 'is not configured here'}`,
        { model: model.id, ...(missing ? { variable: missing.variable } : {}) },
      );
    }
    return generator;
  }
}
