import type { GeneratedImage, GenerationControls, ImageRequest } from './image-generator.port';

/**
 * For providers that make one image per call (Stability, Gemini): `n` calls in turn, the job's progress
 * moving with each image made.
 */
export async function oneCallPerImage(
  request: ImageRequest,
  controls: GenerationControls,
  generateOne: () => Promise<GeneratedImage>,
): Promise<GeneratedImage[]> {
  const images: GeneratedImage[] = [];
  for (let index = 0; index < request.n; index++) {
    images.push(await generateOne());
    controls.onProgress(Math.round(((index + 1) / request.n) * 100));
  }
  return images;
}
