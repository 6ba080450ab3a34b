import OpenAI from 'openai';
import { openAIErrors } from './openai.provider';
import { ProviderError } from './provider-error';
import { mapProviderError, parseRetryAfterMs } from './provider-error-mapper';

const NOW = Date.parse('2025-06-01T12:00:00Z');

describe('parseRetryAfterMs', () => {
  it('reads retry-after as seconds, fractions included', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '30' }), NOW)).toBe(30_000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '1.5' }), NOW)).toBe(1_500);
  });

  it('reads retry-after as an HTTP date, never negative', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Jun 2025 12:00:45 GMT' }), NOW)).toBe(
      45_000,
    );
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Jun 2025 11:00:00 GMT' }), NOW)).toBe(0);
  });

  it('prefers retry-after-ms', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '30' }), NOW)).toBe(250);
  });

  it('is null without a readable header', () => {
    expect(parseRetryAfterMs(new Headers(), NOW)).toBeNull();
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }), NOW)).toBeNull();
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '-5', 'retry-after': '2' }), NOW)).toBe(2_000);
  });
});

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
