import { ErrorCode, VideoJobInputSchema } from '@conduit/contracts';
import { domainErrorCodeOf } from './testing/domain-error-code';
import { videoModelFor } from './video-models';

const input = (fields: Record<string, unknown>) => VideoJobInputSchema.parse({ prompt: 'a boat', ...fields });
const codeOf = domainErrorCodeOf;

describe('videoModelFor', () => {
  it('takes the offline model by default, and each model with the sizes and lengths it makes', () => {
    expect(videoModelFor(input({})).id).toBe('offline/placeholder-video');
    expect(videoModelFor(input({ model: 'openai/sora-2', seconds: 8 })).providerModel).toBe('sora-2');
    expect(videoModelFor(input({ model: 'openai/sora-2-pro', size: '1792x1024', seconds: 12 })).id).toBe(
      'openai/sora-2-pro',
    );
  });

  it('refuses unknown models, and sizes and lengths the model does not make', () => {
    expect(codeOf(() => videoModelFor(input({ model: 'acme/movie' })))).toBe(ErrorCode.UnknownModel);
    expect(codeOf(() => videoModelFor(input({ model: 'openai/sora-2', size: '1792x1024' })))).toBe(
      ErrorCode.ValidationFailed,
    );
    expect(codeOf(() => videoModelFor(input({ model: 'openai/sora-2', seconds: 5 })))).toBe(
      ErrorCode.ValidationFailed,
    );
    expect(codeOf(() => videoModelFor(input({ seconds: 15 })))).toBe(ErrorCode.ValidationFailed);
  });
});
