import type { ImageQuality, ImageSize } from '@conduit/contracts';

/** A picture a job starts from: the image to edit, its mask, the first frame of a clip. */
export interface InputImage {
  data: Uint8Array;
  contentType: string;
}

/** One generation call, as a provider adapter takes it (the model is the provider's own name for it). */
export interface ImageRequest {
  model: string;
  prompt: string;
  size: ImageSize;
  quality?: ImageQuality;
  n: number;
  /** An edit: the picture to change, and where its mask is transparent, what to repaint. */
  image?: InputImage;
  mask?: InputImage;
}

export interface GeneratedImage {
  data: Uint8Array;
  contentType: string;
  metadata: Record<string, unknown>;
}

export interface GenerationControls {
  /** Aborted when the job is cancelled or the process shuts down. */
  signal: AbortSignal;
  /** 0 to 100, for providers that can tell. */
  onProgress(percent: number): void;
  /**
   * Create-then-poll providers: the id of the work an earlier attempt started (its worker died waiting),
   * to follow instead of starting again; and where to keep the id of work this attempt starts, before
   * waiting on it.
   */
  resume?: { providerRef: string | null; keep(providerRef: string): Promise<void> };
}

/** A provider of images. Faults are thrown as {@link ProviderFailure} so the worker knows whether to retry. */
export interface ImageGenerator {
  generate(request: ImageRequest, controls: GenerationControls): Promise<GeneratedImage[]>;
}
