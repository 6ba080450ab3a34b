import { ErrorCode, ImageJobInputSchema } from '@conduit/contracts';
import { domainErrorCodeOf } from './testing/domain-error-code';
import { imageModelFor } from './image-models';

const input = (fields: Record<string, unknown>) => ImageJobInputSchema.parse({ prompt: 'a cat', ...fields });
const codeOf = domainErrorCodeOf;

describe('imageModelFor', () => {
  it('takes the offline model by default, and each model with what its provider accepts', () => {
    expect(imageModelFor(input({})).id).toBe('offline/placeholder-image');
    expect(
      imageModelFor(input({ model: 'openai/dall-e-3', size: '1792x1024', quality: 'hd' })).providerModel,
    ).toBe('dall-e-3');
    expect(imageModelFor(input({ model: 'openai/gpt-image-1', quality: 'high', n: 4 })).provider).toBe(
      'openai',
    );
  });

  it('refuses unknown models, and sizes, qualities and counts the model does not take', () => {
    expect(codeOf(() => imageModelFor(input({ model: 'acme/painter' })))).toBe(ErrorCode.UnknownModel);
    expect(codeOf(() => imageModelFor(input({ model: 'openai/dall-e-3', size: '256x256' })))).toBe(
      ErrorCode.ValidationFailed,
    );
    expect(codeOf(() => imageModelFor(input({ model: 'openai/dall-e-3', n: 2 })))).toBe(
      ErrorCode.ValidationFailed,
    );
    expect(codeOf(() => imageModelFor(input({ model: 'openai/gpt-image-1', quality: 'hd' })))).toBe(
      ErrorCode.ValidationFailed,
    );
  });

  it('lets only the models that edit take an image, and only those that mask take a mask', () => {
    const ref = { file: { jobId: '00000000-0000-4000-8000-000000000001', index: 0 } };
    expect(imageModelFor(input({ model: 'openai/gpt-image-1', image: ref, mask: ref })).edits).toBe('mask');
    expect(imageModelFor(input({ model: 'google/gemini-2.5-flash-image', image: ref })).edits).toBe('image');
    for (const fields of [
      { model: 'openai/dall-e-3', image: ref },
      { model: 'offline/placeholder-image', image: ref },
      { model: 'stability/stable-image-core', image: ref },
      { model: 'google/gemini-2.5-flash-image', image: ref, mask: ref },
    ]) {
      expect(codeOf(() => imageModelFor(input(fields)))).toBe(ErrorCode.ValidationFailed);
    }
  });

  it('refuses a mask without its image, and uploads too large for one message together', () => {
    const upload = (bytes: number) => ({
      upload: { contentType: 'image/png', base64: Buffer.alloc(bytes).toString('base64') },
    });
    expect(ImageJobInputSchema.safeParse({ prompt: 'x', mask: upload(10) }).error?.issues).toEqual([
      expect.objectContaining({ path: ['mask'], message: 'needs the image it masks (image)' }),
    ]);
    expect(
      ImageJobInputSchema.safeParse({ prompt: 'x', image: upload(300_000), mask: upload(300_000) }).success,
    ).toBe(false);
    expect(
      ImageJobInputSchema.safeParse({ prompt: 'x', image: upload(300_000), mask: upload(200_000) }).success,
    ).toBe(true);
  });
});
