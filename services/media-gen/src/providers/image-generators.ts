import { DomainError, ErrorCode } from '@conduit/contracts';
import type { MediaGenConfig } from '../config';
import type { ImageGenerator } from './image-generator.port';
import type { ImageModel, ImageProvider } from './image-models';
import { FixedImageGenerator } from './fixed-image.generator';
import { OfflineImageGenerator } from './offline-image.generator';
import { OpenAIImageGenerator } from './openai-image.generator';

/** The adapters of the providers this deployment is configured for; adding one is one line here. */
export class ImageGenerators {
  private readonly byProvider: Partial<Record<ImageProvider, ImageGenerator>>;

  constructor(config: MediaGenConfig) {
    this.byProvider = {
      offline:
        config.MEDIA_OFFLINE_IMAGES === 'fixed' ? new FixedImageGenerator() : new OfflineImageGenerator(),
      ...(config.OPENAI_API_KEY
        ? {
            openai: new OpenAIImageGenerator({
              apiKey: config.OPENAI_API_KEY,
              baseURL: config.OPENAI_BASE_URL,
              timeoutMs: config.MEDIA_PROVIDER_TIMEOUT_MS,
            }),
          }
        : {}),
    };
  }

  /** MODEL_UNAVAILABLE when the model's provider is not configured here. */
  for(model: ImageModel): ImageGenerator {
    const generator = this.byProvider[model.provider];
    if (!generator) {
      throw new DomainError(ErrorCode.ModelUnavailable, `${model.id} needs OPENAI_API_KEY to be set`, {
        model: model.id,
        variable: 'OPENAI_API_KEY',
      });
    }
    return generator;
  }
}
