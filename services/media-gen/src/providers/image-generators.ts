import { DomainError, ErrorCode } from '@conduit/contracts';
import type { MediaGenConfig } from '../config';
import type { ImageGenerator } from './image-generator.port';
import type { ImageModel, ImageProvider } from './image-models';
import { FixedImageGenerator } from './fixed-image.generator';
import { GeminiImageGenerator } from './gemini-image.generator';
import { OfflineImageGenerator } from './offline-image.generator';
import { OpenAIImageGenerator } from './openai-image.generator';
import { StabilityImageGenerator } from './stability-image.generator';

/** The setting that enables each provider, named when a model of an unconfigured provider is asked for. */
const KEY_OF_PROVIDER: Readonly<Record<Exclude<ImageProvider, 'offline'>, string>> = {
  openai: 'OPENAI_API_KEY',
  stability: 'STABILITY_API_KEY',
  google: 'GEMINI_API_KEY',
};

/** The adapters of the providers this deployment is configured for; adding one is one line here. */
export class ImageGenerators {
  private readonly byProvider: Partial<Record<ImageProvider, ImageGenerator>>;

  constructor(config: MediaGenConfig) {
    const timeoutMs = config.MEDIA_PROVIDER_TIMEOUT_MS;
    this.byProvider = {
      offline:
        config.MEDIA_OFFLINE_IMAGES === 'fixed' ? new FixedImageGenerator() : new OfflineImageGenerator(),
      ...(config.OPENAI_API_KEY && {
        openai: new OpenAIImageGenerator({
          apiKey: config.OPENAI_API_KEY,
          baseURL: config.OPENAI_BASE_URL,
          timeoutMs,
        }),
      }),
      ...(config.STABILITY_API_KEY && {
        stability: new StabilityImageGenerator({
          apiKey: config.STABILITY_API_KEY,
          baseURL: config.STABILITY_BASE_URL,
          timeoutMs,
        }),
      }),
      ...(config.GEMINI_API_KEY && {
        google: new GeminiImageGenerator({
          apiKey: config.GEMINI_API_KEY,
          baseURL: config.GEMINI_BASE_URL,
          timeoutMs,
        }),
      }),
    };
  }

  /** Whether the model's provider is configured here. */
  canRun(model: ImageModel): boolean {
    return this.byProvider[model.provider] !== undefined;
  }

  /** MODEL_UNAVAILABLE when the model's provider is not configured here. */
  for(model: ImageModel): ImageGenerator {
    const generator = this.byProvider[model.provider];
    if (!generator) {
      const variable =
        model.provider === 'offline' ? 'MEDIA_OFFLINE_IMAGES' : KEY_OF_PROVIDER[model.provider];
      throw new DomainError(ErrorCode.ModelUnavailable, `${model.id} needs ${variable} to be set`, {
        model: model.id,
        variable,
      });
    }
    return generator;
  }
}
