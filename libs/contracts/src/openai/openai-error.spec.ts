import { ErrorCode } from '../errors';
import { httpStatusFor } from '../http-status';
import { openAiErrorFrom } from './openai-error';

describe('openAiErrorFrom', () => {
  it.each(Object.values(ErrorCode))('gives %s a type that agrees with its status', (code) => {
    const status = httpStatusFor(code);
    const { error } = openAiErrorFrom({ code, message: 'm' });
    if (status >= 500) expect(error.type).toBe('server_error');
    else expect(error.type).not.toBe('server_error');
    if (status === 401) expect(error.type).toBe('authentication_error');
  });

  it('answers an unusable model as OpenAI does: 404, model_not_found, invalid_request_error', () => {
    expect(httpStatusFor(ErrorCode.ModelUnavailable)).toBe(404);
    expect(openAiErrorFrom({ code: ErrorCode.ModelUnavailable, message: 'set OPENAI_API_KEY' })).toEqual({
      error: {
        message: 'set OPENAI_API_KEY',
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      },
    });
  });

  it('follows a status the transport chose over the default one', () => {
    expect(openAiErrorFrom({ code: ErrorCode.ValidationFailed, message: 'm' }, 503).error.type).toBe(
      'server_error',
    );
  });
});
