import { Injectable } from '@nestjs/common';
import type { StoredInputImage } from '@conduit/contracts';
import type { PricedQuantities } from '@conduit/model-prices';
import type { StoredJob } from './job.repository';
import type { GenerationControls } from '../providers/image-generator.port';
import { ImageGenerators } from '../providers/image-generators';
import { imageModelFor } from '../providers/image-models';
import { VideoGenerators } from '../providers/video-generators';
import { videoModelFor } from '../providers/video-models';
import { InputImages, type InputImageRole } from './input-images';

/** One file a job made, before it is stored. */
export interface ProducedFile {
  data: Uint8Array;
  contentType: string;
  metadata: Record<string, unknown>;
}

/** Hands a job to the provider of its kind and model, and says what the job is metered in. */
@Injectable()
export class MediaProducer {
  constructor(
    private readonly images: ImageGenerators,
    private readonly videos: VideoGenerators,
    private readonly inputImages: InputImages,
  ) {}

  /** What the job will use, at most, before it runs (held against budgets). */
  plannedQuantities(job: StoredJob): PricedQuantities {
    return job.kind === 'image' ? { images: job.input.n } : { seconds: job.input.seconds };
  }

  /** What the files it made amount to. */
  producedQuantities(job: StoredJob, files: readonly ProducedFile[]): PricedQuantities {
    return job.kind === 'image' ? { images: files.length } : { seconds: job.input.seconds * files.length };
  }

  async produce(job: StoredJob, controls: GenerationControls): Promise<ProducedFile[]> {
    const load = (role: InputImageRole, stored: StoredInputImage | undefined) =>
      stored ? this.inputImages.load(job.userId, job.id, role, stored) : Promise.resolve(undefined);
    if (job.kind === 'image') {
      const model = imageModelFor(job.input);
      const generator = this.images.for(model);
      const [image, mask] = [await load('image', job.input.image), await load('mask', job.input.mask)];
      return generator.generate(
        {
          model: model.providerModel,
          prompt: job.input.prompt,
          size: job.input.size,
          n: job.input.n,
          ...(job.input.quality ? { quality: job.input.quality } : {}),
          ...(image ? { image } : {}),
          ...(mask ? { mask } : {}),
        },
        controls,
      );
    }
    const model = videoModelFor(job.input);
    const generator = this.videos.for(model);
    const image = await load('image', job.input.image);
    const video = await generator.generate(
      {
        model: model.providerModel,
        prompt: job.input.prompt,
        size: job.input.size,
        seconds: job.input.seconds,
        ...(image ? { image } : {}),
      },
      controls,
    );
    return [video];
  }
}
