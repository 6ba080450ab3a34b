import {
  DomainError,
  ErrorCode,
  OFFLINE_VIDEO_MODEL,
  type VideoJobInput,
  type VideoSize,
} from '@conduit/contracts';

export type VideoProvider = 'offline' | 'openai';

/** What a video model accepts: its sizes, its lengths, and whether it can start from an image. */
export interface VideoModel {
  id: string;
  provider: VideoProvider;
  /** The provider's own name for it. */
  providerModel: string;
  sizes: readonly VideoSize[];
  seconds: readonly number[];
  imageInput: boolean;
}

/** The video models this service knows, with the limits their providers document. */
export const VIDEO_MODELS: readonly VideoModel[] = [
  {
    id: OFFLINE_VIDEO_MODEL,
    provider: 'offline',
    providerModel: 'placeholder-video',
    sizes: ['640x360', '360x640', '480x480', '1280x720', '720x1280'],
    seconds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    imageInput: true,
  },
  {
    id: 'openai/sora-2',
    provider: 'openai',
    providerModel: 'sora-2',
    sizes: ['1280x720', '720x1280'],
    seconds: [4, 8, 12],
    imageInput: true,
  },
  {
    id: 'openai/sora-2-pro',
    provider: 'openai',
    providerModel: 'sora-2-pro',
    sizes: ['1280x720', '720x1280', '1792x1024', '1024x1792'],
    seconds: [4, 8, 12],
    imageInput: true,
  },
];

const byId = new Map(VIDEO_MODELS.map((model) => [model.id, model]));

/** The model an input names, once its size, length and image fit it; UNKNOWN_MODEL or VALIDATION_FAILED otherwise. */
export function videoModelFor(
  input: Pick<VideoJobInput, 'model' | 'size' | 'seconds'> & { image?: unknown },
): VideoModel {
  const model = byId.get(input.model);
  if (!model) {
    throw new DomainError(ErrorCode.UnknownModel, `No video model "${input.model}"`, {
      models: VIDEO_MODELS.map((m) => m.id),
    });
  }
  const problems: { path: string; message: string }[] = [];
  if (!model.sizes.includes(input.size))
    problems.push({ path: 'size', message: `${model.id} takes ${model.sizes.join(', ')}` });
  if (!model.seconds.includes(input.seconds))
    problems.push({
      path: 'seconds',
      message: `${model.id} makes clips of ${model.seconds.join(', ')} seconds`,
    });
  if (input.image !== undefined && !model.imageInput)
    problems.push({ path: 'image', message: `${model.id} does not start from an image` });
  if (problems.length > 0) {
    throw new DomainError(ErrorCode.ValidationFailed, `The input does not fit ${model.id}`, {
      fields: problems,
    });
  }
  return model;
}
