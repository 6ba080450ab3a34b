import { ErrorCode, ImageJobInputSchema, isDomainError } from '@conduit/contracts';
import { imageModelFor } from './image-models';

const input = (fields: Record<string, unknown>) => ImageJobInputSchema.parse({ prompt: 'a cat', ...fields });
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return isDomainError(error) ? error.code : 'not a domain error';
  }
  return 'no error';
};

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
});
