import { OFFLINE_IMAGE_MODEL } from '@conduit/contracts';
import type {
  GeneratedImage,
  GenerationControls,
  ImageGenerator,
  ImageRequest,
} from './image-generator.port';

/** A 1×1 transparent PNG. */
const FIXED_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * The offline provider for load tests of the job path (MEDIA_OFFLINE_IMAGES=fixed): answers at once with
 * the same tiny PNG for every image, so what is measured is queueing, storage and bookkeeping, not drawing.
 */
export class FixedImageGenerator implements ImageGenerator {
  async generate(request: ImageRequest, controls: GenerationControls): Promise<GeneratedImage[]> {
    controls.signal.throwIfAborted();
    return Array.from({ length: request.n }, () => ({
      data: FIXED_PNG,
      contentType: 'image/png',
      metadata: {
        model: OFFLINE_IMAGE_MODEL,
        placeholder: true,
        note: 'A fixed 1x1 PNG (MEDIA_OFFLINE_IMAGES=fixed, for load tests); not made by a generative model',
        width: 1,
        height: 1,
      },
    }));
  }
}
