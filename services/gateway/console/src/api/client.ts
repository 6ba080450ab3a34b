import { Credentials } from './credentials';
import { errorFrom } from './errors';
import { ConsoleSocket } from './socket';
import { readSse, type SseEvent } from './sse';

export interface RequestOptions {
  method?: string;
  /** A JSON body (sent as application/json), or FormData/Blob sent as they are. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** An SSE answer: its headers (`x-stream-id`…) and its events as they arrive. */
export interface SseAnswer<T = Record<string, unknown>> {
  response: Response;
  events: AsyncGenerator<SseEvent<T>>;
}

/**
 * What every panel talks to the gateway with (same origin): authenticated fetches that refresh the
 * access token when it is about to expire and retry once on a 401, JSON in and out with problem+json
 * errors thrown as `ApiError`, SSE reading (POST or GET), and the shared `/ws` connection.
 */
export class ApiClient {
  readonly socket: ConsoleSocket;

  constructor(readonly credentials: Credentials) {
    this.socket = new ConsoleSocket(() => this.socketUrl('/ws'));
  }

  /**
   * A fetch with the bearer token; throws `ApiError` for a non-2xx answer. With a fresh token the
   * request leaves within the caller's task (nothing is awaited before `fetch`), so a caller can
   * send first and draw the page while the answer is on its way.
   */
  async request(path: string, options: RequestOptions = {}): Promise<Response> {
    const token = this.credentials.freshAccessToken() ?? (await this.credentials.accessToken());
    let response = await this.send(path, options, token);
    if (response.status === 401) response = await this.send(path, options, await this.credentials.refresh());
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  /** A request whose answer is JSON (undefined for 204). */
  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(path, options);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  /** A request answered with server-sent events (e.g. a chat message, or resuming a stream). */
  async sse<T = Record<string, unknown>>(path: string, options: RequestOptions = {}): Promise<SseAnswer<T>> {
    const response = await this.request(path, {
      ...options,
      headers: { accept: 'text/event-stream', ...options.headers },
    });
    if (!response.body) throw new Error('The answer has no body');
    return { response, events: readSse<T>(response.body) };
  }

  /** A same-origin ws:// or wss:// URL for `path` carrying a fresh access token (for `/ws/voice`…). */
  async socketUrl(path: string): Promise<string> {
    const url = new URL(path, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('access_token', await this.credentials.accessToken());
    return url.toString();
  }

  private send(path: string, options: RequestOptions, token: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...options.headers };
    let body: BodyInit | undefined;
    if (options.body instanceof FormData || options.body instanceof Blob) body = options.body;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    return fetch(path, {
      method: options.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      signal: options.signal,
    });
  }
}
