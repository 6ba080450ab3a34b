import type { VideoSize } from '@conduit/contracts';
import type { GenerationControls, InputImage } from './image-generator.port';

/** One clip to make, as a provider adapter takes it (the model is the provider's own name for it). */
export interface VideoRequest {
  model: string;
  prompt: string;
  size: VideoSize;
  seconds: number;
  image?: InputImage;
}

export interface GeneratedVideo {
  data: Uint8Array;
  contentType: string;
  metadata: Record<string, unknown>;
}

/**
 * A provider of video clips. Most run long: progress goes to `controls.onProgress` as the provider tells
 * it; faults are thrown as {@link ProviderFailure} so the worker knows whether to retry.
 */
export interface VideoGenerator {
  generate(request: VideoRequest, controls: GenerationControls): Promise<GeneratedVideo>;
}
