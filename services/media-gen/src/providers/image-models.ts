import {
  DomainError,
  ErrorCode,
  OFFLINE_IMAGE_MODEL,
  type ImageJobInput,
  type ImageQuality,
  type ImageSize,
  type StoredImageJobInput,
} from '@conduit/contracts';

export type ImageProvider = 'offline' | 'openai' | 'stability' | 'google';

/**
 * The aspect ratio asked of providers that take a ratio instead of pixels (Stability, Gemini); they pick
 * the pixels themselves (about one megapixel), and the stored image says what it got.
 */
export const ASPECT_RATIO_OF_SIZE: Readonly<Partial<Record<ImageSize, string>>> = {
  '1024x1024': '1:1',
  '1536x1024': '3:2',
  '1024x1536': '2:3',
  '1792x1024': '16:9',
  '1024x1792': '9:16',
};
const RATIO_SIZES: readonly ImageSize[] = ['1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'];

/** What a model accepts: its sizes, its qualities and how many images one call may ask for. */
export interface ImageModel {
  id: string;
  provider: ImageProvider;
  /** The provider's own name for it. */
  providerModel: string;
  sizes: readonly ImageSize[];
  /** The first is the one the provider uses when a request names none. */
  qualities: readonly ImageQuality[];
  maxImages: number;
  /** What it edits: nothing, a picture (from the prompt alone), or a picture where a mask lets it paint. */
  edits: 'none' | 'image' | 'mask';
}

/** The image models this service knows, with the limits their providers document. */
export const IMAGE_MODELS: readonly ImageModel[] = [
  {
    id: OFFLINE_IMAGE_MODEL,
    provider: 'offline',
    providerModel: 'placeholder-image',
    sizes: ['256x256', '512x512', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'],
    qualities: ['auto', 'standard'],
    maxImages: 4,
    edits: 'none',
  },
  {
    id: 'openai/gpt-image-1',
    provider: 'openai',
    providerModel: 'gpt-image-1',
    sizes: ['1024x1024', '1536x1024', '1024x1536'],
    qualities: ['auto', 'low', 'medium', 'high'],
    maxImages: 4,
    edits: 'mask',
  },
  {
    id: 'openai/dall-e-3',
    provider: 'openai',
    providerModel: 'dall-e-3',
    sizes: ['1024x1024', '1792x1024', '1024x1792'],
    qualities: ['standard', 'hd'],
    maxImages: 1,
    edits: 'none',
  },
  {
    id: 'openai/dall-e-2',
    provider: 'openai',
    providerModel: 'dall-e-2',
    sizes: ['256x256', '512x512', '1024x1024'],
    qualities: ['standard'],
    maxImages: 4,
    edits: 'mask',
  },
  // One image per call at Stability and Gemini: a job of n images makes n calls.
  {
    id: 'stability/stable-image-core',
    provider: 'stability',
    providerModel: 'stable-image-core',
    sizes: RATIO_SIZES,
    qualities: ['auto'],
    maxImages: 4,
    edits: 'none',
  },
  {
    id: 'stability/stable-image-ultra',
    provider: 'stability',
    providerModel: 'stable-image-ultra',
    sizes: RATIO_SIZES,
    qualities: ['auto'],
    maxImages: 4,
    edits: 'none',
  },
  {
    id: 'stability/sd3.5-large',
    provider: 'stability',
    providerModel: 'sd3.5-large',
    sizes: RATIO_SIZES,
    qualities: ['auto'],
    maxImages: 4,
    edits: 'none',
  },
  {
    id: 'google/gemini-2.5-flash-image',
    provider: 'google',
    providerModel: 'gemini-2.5-flash-image',
    sizes: RATIO_SIZES,
    qualities: ['auto'],
    maxImages: 4,
    edits: 'image',
  },
];

const byId = new Map(IMAGE_MODELS.map((model) => [model.id, model]));
const EDITING_MODELS = `models that do: ${IMAGE_MODELS.filter((m) => m.edits !== 'none')
  .map((m) => m.id)
  .join(', ')}`;
const MASKING_MODELS = `models that take one: ${IMAGE_MODELS.filter((m) => m.edits === 'mask')
  .map((m) => m.id)
  .join(', ')}`;

/** The model an input names, once its size, quality and count fit it; UNKNOWN_MODEL or VALIDATION_FAILED otherwise. */
export function imageModelFor(input: ImageJobInput | StoredImageJobInput): ImageModel {
  const model = byId.get(input.model);
  if (!model) {
    throw new DomainError(ErrorCode.UnknownModel, `No image model "${input.model}"`, {
      models: IMAGE_MODELS.map((m) => m.id),
    });
  }
  const problems: { path: string; message: string }[] = [];
  if (!model.sizes.includes(input.size))
    problems.push({ path: 'size', message: `${model.id} takes ${model.sizes.join(', ')}` });
  if (input.quality !== undefined && !model.qualities.includes(input.quality))
    problems.push({ path: 'quality', message: `${model.id} takes ${model.qualities.join(', ')}` });
  if (input.n > model.maxImages)
    problems.push({ path: 'n', message: `${model.id} makes at most ${model.maxImages} per request` });
  if (input.image && model.edits === 'none')
    problems.push({ path: 'image', message: `${model.id} does not edit images; ${EDITING_MODELS}` });
  if (input.mask && model.edits === 'image')
    problems.push({ path: 'mask', message: `${model.id} edits without a mask; ${MASKING_MODELS}` });
  if (problems.length > 0) {
    throw new DomainError(ErrorCode.ValidationFailed, `The input does not fit ${model.id}`, {
      fields: problems,
    });
  }
  return model;
}

/** The quality a job asks for: its own, or the one the model's provider uses when none is named. */
export function askedQualityOf(input: ImageJobInput | StoredImageJobInput): ImageQuality | undefined {
  return input.quality ?? byId.get(input.model)?.qualities[0];
}
