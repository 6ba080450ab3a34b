import { OFFLINE_IMAGE_MODEL } from '@conduit/contracts';
import { loadMediaGenConfig } from '../config';
import { ImageGenerators } from './image-generators';
import { ImageModelsHandler } from './image-models.handler';

const modelsWith = (env: Record<string, string>) =>
  new ImageModelsHandler(new ImageGenerators(loadMediaGenConfig(env))).list().models;

describe('ImageModelsHandler', () => {
  it('lists every image model with what it takes, the offline one first and runnable without keys', () => {
    const models = modelsWith({});
    expect(models[0]).toEqual({
      id: OFFLINE_IMAGE_MODEL,
      sizes: ['256x256', '512x512', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'],
      qualities: ['auto', 'standard'],
      maxImages: 4,
      edits: 'none',
      available: true,
    });
    expect(models.find((model) => model.id === 'openai/dall-e-3')).toMatchObject({
      sizes: ['1024x1024', '1792x1024', '1024x1792'],
      qualities: ['standard', 'hd'],
      maxImages: 1,
      available: false,
    });
  });

  it('marks available the models whose provider has a key here, and only those', () => {
    const models = modelsWith({ STABILITY_API_KEY: 'k' });
    expect(models.filter((model) => model.available).map((model) => model.id)).toEqual([
      OFFLINE_IMAGE_MODEL,
      'stability/stable-image-core',
      'stability/stable-image-ultra',
      'stability/sd3.5-large',
    ]);
  });
});
