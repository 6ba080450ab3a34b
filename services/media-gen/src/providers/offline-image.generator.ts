import { createHash } from 'node:crypto';
import { Resvg } from '@resvg/resvg-js';
import { OFFLINE_IMAGE_MODEL } from '@conduit/contracts';
import type {
  GeneratedImage,
  GenerationControls,
  ImageGenerator,
  ImageRequest,
} from './image-generator.port';

/**
 * The image provider that needs nothing: an abstract picture drawn from the prompt's digest (the same
 * prompt, size and index always give the same PNG), rasterised with resvg. It is no generative model,
 * and its metadata says so (`placeholder: true`).
 */
export class OfflineImageGenerator implements ImageGenerator {
  async generate(request: ImageRequest, controls: GenerationControls): Promise<GeneratedImage[]> {
    const [width, height] = request.size.split('x').map(Number) as [number, number];
    const images: GeneratedImage[] = [];
    for (let index = 0; index < request.n; index++) {
      controls.signal.throwIfAborted();
      const digest = createHash('sha256').update(`${request.prompt}\n${index}`).digest();
      const svg = placeholderSvg(digest, width, height);
      const png = new Resvg(svg, { fitTo: { mode: 'original' } }).render().asPng();
      images.push({
        data: png,
        contentType: 'image/png',
        metadata: {
          model: OFFLINE_IMAGE_MODEL,
          placeholder: true,
          note: 'Drawn from a digest of the prompt by the offline placeholder; not made by a generative model',
          width,
          height,
          promptSha256: createHash('sha256').update(request.prompt).digest('hex'),
        },
      });
      controls.onProgress(Math.round(((index + 1) / request.n) * 100));
      // Rasterising is synchronous: give the event loop a turn between images.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return images;
  }
}

/** A gradient and a few circles and bands whose colours and places come from the digest's bytes. */
export function placeholderSvg(digest: Uint8Array, width: number, height: number): string {
  const byte = (i: number) => digest[i % digest.length]!;
  const hue = (i: number) => Math.round((byte(i) / 255) * 360);
  const shapes: string[] = [];
  for (let i = 0; i < 6; i++) {
    const cx = Math.round((byte(4 + i * 3) / 255) * width);
    const cy = Math.round((byte(5 + i * 3) / 255) * height);
    const r = Math.round((0.08 + (byte(6 + i * 3) / 255) * 0.25) * Math.min(width, height));
    shapes.push(
      `<circle cx="${cx}" cy="${cy}" r="${r}" fill="hsl(${hue(22 + i)},70%,60%)" fill-opacity="0.55"/>`,
    );
  }
  for (let i = 0; i < 3; i++) {
    const y = Math.round((byte(28 + i) / 255) * height);
    shapes.push(
      `<rect x="0" y="${y}" width="${width}" height="${Math.max(2, Math.round(height / 40))}" fill="hsl(${hue(
        30 + i,
      )},50%,85%)" fill-opacity="0.6"/>`,
    );
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">',
    `<stop offset="0" stop-color="hsl(${hue(0)},55%,35%)"/>`,
    `<stop offset="1" stop-color="hsl(${hue(1)},55%,20%)"/>`,
    '</linearGradient></defs>',
    `<rect width="${width}" height="${height}" fill="url(#bg)"/>`,
    ...shapes,
    '</svg>',
  ].join('');
}
