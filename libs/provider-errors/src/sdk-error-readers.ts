import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { SdkErrorReader } from './provider-error-mapper';

/** The OpenAI SDK's errors (OpenAI and every server that speaks its API). */
export const openAIErrors: SdkErrorReader = {
  isTimeout: (error) => error instanceof OpenAI.APIConnectionTimeoutError,
  isConnectionError: (error) => error instanceof OpenAI.APIConnectionError,
  readApiError: (error) => {
    if (!(error instanceof OpenAI.APIError) || error instanceof OpenAI.APIUserAbortError) return undefined;
    const body = error.error as { message?: unknown } | undefined;
    return {
      status: error.status,
      headers: error.headers,
      type: error.type ?? null,
      code: error.code ?? null,
      message: typeof body?.message === 'string' ? body.message : error.message,
    };
  },
  isSdkError: (error) => error instanceof OpenAI.OpenAIError,
};

/** The Anthropic SDK's errors. */
export const anthropicErrors: SdkErrorReader = {
  isTimeout: (error) => error instanceof Anthropic.APIConnectionTimeoutError,
  isConnectionError: (error) => error instanceof Anthropic.APIConnectionError,
  readApiError: (error) => {
    if (!(error instanceof Anthropic.APIError) || error instanceof Anthropic.APIUserAbortError)
      return undefined;
    return {
      status: error.status,
      headers: error.headers,
      type: error.type,
      code: error.errorCode,
      message: error.apiMessage ?? error.message,
    };
  },
  isSdkError: (error) => error instanceof Anthropic.AnthropicError,
};
