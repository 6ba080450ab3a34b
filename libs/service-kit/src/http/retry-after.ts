/** Response headers in whichever shape an SDK hands them over: fetch `Headers` or Node's header record. */
export type HeaderSource =
  { get(name: string): string | null } | Readonly<Record<string, string | string[] | undefined>>;

function headerOf(headers: HeaderSource, name: string): string | null {
  if (typeof headers.get === 'function') return (headers.get as (n: string) => string | null)(name);
  const value = (headers as Readonly<Record<string, string | string[] | undefined>>)[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

const DECIMAL = /^\s*\d+(\.\d+)?\s*$/;

/**
 * How long a provider asked us to wait, in ms: OpenAI's `retry-after-ms` first, else `Retry-After` as
 * seconds (fractions allowed) or an HTTP date (never negative). Null when neither is present or readable.
 */
export function retryAfterMs(
  headers: HeaderSource | null | undefined,
  now: number = Date.now(),
): number | null {
  if (!headers) return null;
  const millis = headerOf(headers, 'retry-after-ms');
  if (millis !== null && DECIMAL.test(millis)) return Math.ceil(Number(millis));
  const value = headerOf(headers, 'retry-after');
  if (value === null) return null;
  if (DECIMAL.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil(date - now));
}
