import type { SpeechEngineFailure } from './speech-to-text.port';

/** What a cloud speech provider's refusal means for the client: the port's failure kinds. */
export function failureOfStatus(status: number): SpeechEngineFailure {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500 && status !== 408) return 'bad_request';
  return 'upstream';
}

/** Reads a header from whichever shape the SDK hands over (fetch `Headers`, Node's header record). */
export type HeaderSource =
  { get(name: string): string | null } | Readonly<Record<string, string | string[] | undefined>>;

function headerOf(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function')
    return (headers.get as (n: string) => string | null)(name) ?? undefined;
  const value = (headers as Readonly<Record<string, string | string[] | undefined>>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How long the provider asked us to wait: `retry-after-ms` (OpenAI), else `retry-after` as seconds or as
 * an HTTP date. Undefined when neither is present or readable.
 */
export function retryAfterMs(headers: HeaderSource | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const millis = headerOf(headers, 'retry-after-ms');
  if (millis !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(millis)) return Math.ceil(Number(millis));
  const value = headerOf(headers, 'retry-after');
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
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
