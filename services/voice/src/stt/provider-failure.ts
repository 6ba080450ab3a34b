import type { SpeechEngineFailure } from './speech-to-text.port';

/** What a cloud speech provider's refusal means for the client: the port's failure kinds. */
export function failureOfStatus(status: number): SpeechEngineFailure {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500 && status !== 408) return 'bad_request';
  return 'upstream';
}

/** A provider message worth passing on: short, and never for refused keys (they can echo the key). */
export function providerDetail(failure: SpeechEngineFailure, message: string | undefined): string {
  if (failure === 'unauthorized') return 'the configured API key was refused';
  const text = (message ?? '').trim() || 'no explanation given';
  return text.length <= 300 ? text : `${text.slice(0, 299)}…`;
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/** An abort of our own (signal, SDK abort error), as opposed to a provider failure. */
export function isAbortError(error: unknown): boolean {
  const { name } = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  return name === 'AbortError' || name === 'APIUserAbortError';
}

export function messageOf(error: unknown): string {
  const { message } = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  return typeof message === 'string' ? message : String(error);
}
