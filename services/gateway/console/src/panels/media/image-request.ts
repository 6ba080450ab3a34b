import type { ImageModelInfo, ImageQuality, ImageSize } from '@conduit/contracts';

/** What the form holds. `quality` '' leaves it to the model; `n` as typed. */
export interface ImageChoice {
  prompt: string;
  model: string;
  size: string;
  quality: string;
  n: string;
}

/** The body of `POST /api/v1/media/images`, or what to fix first (and in which field). */
export type ImageRequest =
  | { body: { prompt: string; model: string; size: string; n: number; quality?: string } }
  | { error: string; field: keyof ImageChoice };

/** The size asked for unless the user picks another: the API's default where the model has it. */
const PREFERRED_SIZE: ImageSize = '1024x1024';

/** The model selected at first: the first one that can run here (the offline one comes first). */
export function initialModel(models: ImageModelInfo[]): ImageModelInfo | undefined {
  return models.find((model) => model.available);
}

export function initialSize(model: ImageModelInfo): ImageSize | undefined {
  return model.sizes.includes(PREFERRED_SIZE) ? PREFERRED_SIZE : model.sizes[0];
}

/** Qualities worth a choice: none when the model has only one. */
export function qualityChoices(model: ImageModelInfo): ImageQuality[] {
  return model.qualities.length > 1 ? model.qualities : [];
}

/**
 * Checks the form against what the chosen model takes (as listed by the API, which checks it again)
 * so a person learns what to fix without a round trip, and builds the request.
 */
export function imageRequest(choice: ImageChoice, models: ImageModelInfo[]): ImageRequest {
  const prompt = choice.prompt.trim();
  if (!prompt) return { error: 'Write a prompt first: describe the image to make.', field: 'prompt' };
  const model = models.find((candidate) => candidate.id === choice.model);
  if (!model) return { error: 'Choose a model.', field: 'model' };
  if (!model.available) return { error: `${model.id} is not configured on this server.`, field: 'model' };
  if (!model.sizes.some((size) => size === choice.size))
    return { error: `${model.id} makes ${model.sizes.join(', ')}.`, field: 'size' };
  if (choice.quality && !model.qualities.some((quality) => quality === choice.quality))
    return { error: `${model.id} takes the qualities ${model.qualities.join(', ')}.`, field: 'quality' };
  const n = Number(choice.n);
  if (!Number.isInteger(n) || n < 1 || n > model.maxImages)
    return { error: `Images: a whole number from 1 to ${model.maxImages}.`, field: 'n' };
  return {
    body: {
      prompt,
      model: model.id,
      size: choice.size,
      n,
      ...(choice.quality ? { quality: choice.quality } : {}),
    },
  };
}
