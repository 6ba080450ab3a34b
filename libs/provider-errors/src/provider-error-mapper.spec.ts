import OpenAI from 'openai';
import { openAIErrors } from './sdk-error-readers';
import { ProviderError } from './provider-error';
import { mapProviderError } from './provider-error-mapper';

describe('mapProviderError', () => {
  const live = () => new AbortController().signal;
  const apiError = (status: number, body: object, headers: Record<string, string> = {}) =>
    OpenAI.APIError.generate(status, { error: body }, undefined, new Headers(headers));

  it('returns the abort reason whenever our signal is aborted, whatever the SDK threw', () => {
    const controller = new AbortController();
    const reason = new Error('client cancelled');
    controller.abort(reason);

    expect(mapProviderError(new OpenAI.APIUserAbortError(), 'openai', controller.signal, openAIErrors)).toBe(
      reason,
    );
    expect(mapProviderError(apiError(500, { message: 'x' }), 'openai', controller.signal, openAIErrors)).toBe(
      reason,
    );
  });

  it('leaves errors that are not the provider’s (our own bugs) untouched', () => {
    const bug = new RangeError('index out of range');

    expect(mapProviderError(bug, 'openai', live(), openAIErrors)).toBe(bug);
  });

  it('reads the retry delay of a 503 as well as a 429', () => {
    const error = mapProviderError(
      apiError(503, { message: 'busy' }, { 'retry-after': '3' }),
      'xai',
      live(),
      openAIErrors,
    );

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      kind: 'unavailable',
      retryAfterMs: 3_000,
      status: 503,
      code: 'PROVIDER_UNAVAILABLE',
    });
  });

  it('recognises context-length errors of OpenAI-compatible servers by their wording', () => {
    const vllm = apiError(400, {
      message: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
      type: 'BadRequestError',
      code: 400,
    });

    expect(mapProviderError(vllm, 'vllm', live(), openAIErrors)).toMatchObject({ kind: 'context_length' });
  });

  it('recognises a flagged prompt as content_policy', () => {
    const flagged = apiError(400, {
      message: 'Invalid prompt: your prompt was flagged as potentially violating our usage policy.',
      code: 'invalid_prompt',
    });

    expect(mapProviderError(flagged, 'openai', live(), openAIErrors)).toMatchObject({
      kind: 'content_policy',
    });
  });

  it('maps an SDK failure that is not an API error to bad_response', () => {
    const error = mapProviderError(
      new OpenAI.OpenAIError('Attempted to iterate over a response with no body'),
      'openai',
      live(),
      openAIErrors,
    );

    expect(error).toMatchObject({ kind: 'bad_response' });
  });
});
