import OpenAI from 'openai';
import { openAIClient } from '@conduit/provider-clients';
import { retryAfterMs } from '@conduit/service-kit';
import { failureOfStatus, messageOf, providerDetail } from './provider-failure';
import type { SpeechEngineFailure } from './speech-to-text.port';

export interface OpenAIAudioOptions {
  /** Unset: the engines say so through `availability()` and every call fails `unavailable`. */
  readonly apiKey: string | undefined;
  /** Unset: OpenAI's (`https://api.openai.com/v1`). */
  readonly baseUrl: string | undefined;
  readonly timeoutMs: number;
}

/** An OpenAI client for the audio endpoints: no SDK retries (the caller decides), nothing read from the environment. */
export function openAIAudioClient({ apiKey, baseUrl, timeoutMs }: OpenAIAudioOptions): OpenAI {
  return openAIClient({ apiKey, baseURL: baseUrl || undefined, timeoutMs });
}

export interface OpenAIFailure {
  readonly failure: SpeechEngineFailure;
  readonly message: string;
  readonly retryAfterMs?: number;
}

/** What an OpenAI SDK call or stream threw, as a port failure (the caller builds its own error class). */
export function openAIFailure(error: unknown): OpenAIFailure {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return { failure: 'upstream', message: 'OpenAI did not answer in time' };
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return { failure: 'upstream', message: `OpenAI could not be reached: ${messageOf(error)}` };
  }
  if (error instanceof OpenAI.APIError) {
    // No status: an error event inside a stream that had started.
    const failure = error.status === undefined ? 'upstream' : failureOfStatus(error.status);
    return {
      failure,
      message: `OpenAI: ${providerDetail(failure, error.message)}`,
      ...(failure === 'rate_limited' ? { retryAfterMs: retryAfterMs(error.headers) ?? undefined } : {}),
    };
  }
  // A connection lost while reading the body (`TypeError: terminated`), a truncated event, ...
  return { failure: 'upstream', message: `OpenAI: the answer broke off (${messageOf(error)})` };
}

/** OpenAI's `language` is ISO-639-1: the primary subtag of a BCP-47 tag. */
export const isoLanguage = (bcp47: string): string => bcp47.split('-')[0]?.toLowerCase() ?? bcp47;
