import { convert } from 'html-to-text';
import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { refusedAddressIn } from '../../outbound/refused-address.error';

export interface SafeFetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
}

export type FetchOutcome =
  | {
      readonly ok: true;
      readonly url: string;
      readonly status: number;
      readonly contentType: string | null;
      readonly text: string | null;
      readonly bytes: number;
      readonly truncated: boolean;
    }
  | { readonly ok: false; readonly code: FetchFailureCode; readonly message: string };

export type FetchFailureCode =
  | 'URL_REFUSED'
  | 'ADDRESS_REFUSED'
  | 'TOO_MANY_REDIRECTS'
  | 'HOST_NOT_FOUND'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'FETCH_FAILED';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TEXT_TYPES = /^(text\/|application\/(json|xml|xhtml\+xml|rss\+xml|atom\+xml|ld\+json|javascript)\b)/i;

/**
 * A GET for an agent: http(s) only, every connection (redirects included) through the guarded
 * dispatcher that refuses non-public addresses after DNS resolution, redirects followed by hand so each
 * hop's URL is checked too, one deadline for the whole exchange and a byte limit on the body.
 */
export async function safeFetch(
  target: string,
  dispatcher: Dispatcher,
  limits: SafeFetchLimits,
  signal: AbortSignal,
): Promise<FetchOutcome> {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(limits.timeoutMs)]);
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return failure('URL_REFUSED', 'Not a valid absolute URL');
  }
  try {
    for (let redirects = 0; ; redirects++) {
      const refusal = urlRefusal(url);
      if (refusal) return failure('URL_REFUSED', refusal);
      const response = await request(url, {
        method: 'GET',
        dispatcher,
        signal: deadline,
        headers: {
          'user-agent': 'conduit-agents (http_fetch)',
          accept: 'text/html,application/xhtml+xml,application/json,text/plain;q=0.9,*/*;q=0.5',
        },
      });
      const location = response.headers.location;
      if (REDIRECTS.has(response.statusCode) && typeof location === 'string') {
        await response.body.dump();
        if (redirects >= limits.maxRedirects)
          return failure('TOO_MANY_REDIRECTS', `More than ${limits.maxRedirects} redirects`);
        url = new URL(location, url);
        continue;
      }
      const contentType = headerText(response.headers['content-type']);
      const { body, truncated } = await readAtMost(response.body, limits.maxBytes);
      return {
        ok: true,
        url: url.toString(),
        status: response.statusCode,
        contentType,
        text: textOf(body, contentType),
        bytes: body.length,
        truncated,
      };
    }
  } catch (error) {
    if (signal.aborted) return failure('CANCELLED', 'The run was stopped');
    if (deadline.aborted) return failure('TIMEOUT', `No complete answer within ${limits.timeoutMs} ms`);
    const refused = refusedAddressIn(error);
    if (refused) return failure('ADDRESS_REFUSED', refused.message);
    if ((error as NodeJS.ErrnoException).code === 'ENOTFOUND')
      return failure('HOST_NOT_FOUND', `${url.hostname} was not found`);
    if (error instanceof undiciErrors.UndiciError || error instanceof Error)
      return failure('FETCH_FAILED', `The request failed: ${error.message}`);
    return failure('FETCH_FAILED', 'The request failed');
  }
}

function urlRefusal(url: URL): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `Only http and https URLs are fetched, not ${url.protocol}`;
  if (url.username || url.password) return 'URLs with credentials are not fetched';
  return null;
}

async function readAtMost(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - size));
      size = maxBytes;
      truncated = true;
      break; // leaving the loop destroys the body: the rest is never downloaded
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

function textOf(body: Buffer, contentType: string | null): string | null {
  if (contentType && !TEXT_TYPES.test(contentType)) return null;
  const text = body.toString('utf8');
  if (contentType && /html/i.test(contentType)) return convert(text, { wordwrap: false });
  return text;
}

function headerText(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

const failure = (code: FetchFailureCode, message: string): FetchOutcome => ({ ok: false, code, message });
