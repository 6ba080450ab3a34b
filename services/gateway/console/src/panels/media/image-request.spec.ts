import { describe, expect, it } from '@jest/globals';
import type { ImageModelInfo } from '@conduit/contracts';
import { type ImageChoice, imageRequest, initialModel, initialSize, qualityChoices } from './image-request';

const offline: ImageModelInfo = {
  id: 'offline/placeholder-image',
  sizes: ['256x256', '512x512', '1024x1024'],
  qualities: ['auto', 'standard'],
  maxImages: 4,
  edits: 'none',
  available: true,
};
const dalle3: ImageModelInfo = {
  id: 'openai/dall-e-3',
  sizes: ['1792x1024', '1024x1792'],
  qualities: ['standard', 'hd'],
  maxImages: 1,
  edits: 'none',
  available: true,
};
const stability: ImageModelInfo = {
  ...offline,
  id: 'stability/sd3.5-large',
  qualities: ['auto'],
  available: false,
};
const models = [stability, offline, dalle3];
const choice = (fields: Partial<ImageChoice> = {}): ImageChoice => ({
  prompt: 'a lighthouse at dusk',
  model: offline.id,
  size: '512x512',
  quality: '',
  n: '1',
  ...fields,
});

describe('image request', () => {
  it('starts on the first model that can run here, at 1024x1024 where it has it', () => {
    expect(initialModel(models)).toBe(offline);
    expect(initialModel([stability])).toBeUndefined();
    expect(initialSize(offline)).toBe('1024x1024');
    expect(initialSize(dalle3)).toBe('1792x1024');
  });

  it('offers a quality only for models with more than one', () => {
    expect(qualityChoices(dalle3)).toEqual(['standard', 'hd']);
    expect(qualityChoices(stability)).toEqual([]);
  });

  it('builds the body, the prompt trimmed, with the quality only when one was chosen', () => {
    expect(imageRequest(choice({ prompt: '  a lighthouse  ' }), models)).toEqual({
      body: { prompt: 'a lighthouse', model: offline.id, size: '512x512', n: 1 },
    });
    expect(imageRequest(choice({ model: dalle3.id, size: '1024x1792', quality: 'hd' }), models)).toEqual({
      body: { prompt: 'a lighthouse at dusk', model: dalle3.id, size: '1024x1792', n: 1, quality: 'hd' },
    });
  });

  it('says what to fix, naming the field, before anything is sent', () => {
    const cases: [Partial<ImageChoice>, keyof ImageChoice, RegExp][] = [
      [{ prompt: '' }, 'prompt', /Write a prompt first/],
      [{ prompt: ' \n\t ' }, 'prompt', /Write a prompt first/],
      [{ model: 'acme/painter' }, 'model', /Choose a model/],
      [{ model: stability.id }, 'model', /not configured/],
      [{ model: dalle3.id, size: '512x512' }, 'size', /makes 1792x1024, 1024x1792/],
      [{ quality: 'hd' }, 'quality', /auto, standard/],
      [{ n: '0' }, 'n', /1 to 4/],
      [{ n: '2.5' }, 'n', /1 to 4/],
      [{ model: dalle3.id, size: '1792x1024', n: '2' }, 'n', /1 to 1/],
    ];
    for (const [fields, field, message] of cases) {
      const answer = imageRequest(choice(fields), models);
      expect(answer).toEqual({ error: expect.stringMatching(message), field });
    }
  });
});
