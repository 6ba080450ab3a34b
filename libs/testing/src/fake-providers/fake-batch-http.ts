import type { IncomingMessage, ServerResponse } from 'node:http';
import { countWords } from './fake-provider.behavior';
import { serveOnLoopback } from './loopback-http-server';

/** One request a batch fake received. */
export interface FakeBatchRequestLog {
  readonly method: string;
  readonly path: string;
}

export interface FakeBatchHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** Path parameters captured by the route's pattern. */
  readonly params: readonly string[];
}

export interface FakeBatchHttpAnswer {
  status: number;
  body: string | Buffer;
  contentType?: string;
}

export interface FakeBatchRoute {
  method: string;
  pattern: RegExp;
  handle(request: FakeBatchHttpRequest): FakeBatchHttpAnswer | Promise<FakeBatchHttpAnswer>;
}

export interface FakeBatchHttpServer {
  readonly origin: string;
  readonly requests: readonly FakeBatchRequestLog[];
  close(): Promise<void>;
}

/**
 * The HTTP side of the batch API fakes: a route table on 127.0.0.1, a request log, a check of the
 * credentials before any route, and a 404 in the provider's own shape for anything else.
 */
export async function startFakeBatchHttp(options: {
  routes: readonly FakeBatchRoute[];
  /** The error answer for a request without the right credentials; undefined lets it through. */
  unauthorized(headers: IncomingMessage['headers']): FakeBatchHttpAnswer | undefined;
  notFound(method: string, path: string): FakeBatchHttpAnswer;
}): Promise<FakeBatchHttpServer> {
  const requests: FakeBatchRequestLog[] = [];
  const send = (res: ServerResponse, answer: FakeBatchHttpAnswer) => {
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
    res.end(answer.body);
  };
  const answer = async (req: IncomingMessage, body: Buffer): Promise<FakeBatchHttpAnswer> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    requests.push({ method, path: url.pathname });
    const refused = options.unauthorized(req.headers);
    if (refused) return refused;
    for (const route of options.routes) {
      const match = route.method === method ? route.pattern.exec(url.pathname) : null;
      if (!match) continue;
      const request = {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        params: match.slice(1),
      };
      try {
        return await route.handle(request);
      } catch (error) {
        return { status: 500, body: JSON.stringify({ error: String(error) }) };
      }
    }
    return options.notFound(method, url.pathname);
  };
  const server = await serveOnLoopback(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    send(res, await answer(req, Buffer.concat(chunks)));
  });
  return { origin: server.url, requests, close: () => server.close() };
}

export const jsonAnswer = (status: number, body: unknown): FakeBatchHttpAnswer => ({
  status,
  body: JSON.stringify(body),
});

/** The text of a chat message's content (a string, or text parts). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) =>
      typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .join('');
}

/**
 * What the batch fakes answer a request: the last user message echoed, with word counts for usage, so
 * a test can tell every line's answer from the others.
 */
export function batchAnswer(messages: readonly { role?: unknown; content?: unknown }[], system = '') {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  const text = `Batch answer to: ${textOf(last?.content)}`;
  const inputTokens = messages.reduce((sum, m) => sum + countWords(textOf(m.content)), countWords(system));
  return { text, inputTokens, outputTokens: countWords(text) };
}

/** Unix seconds now. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** What every fake batch API gives a test: where it listens, what it was asked, its batches, and a hold. */
export interface FakeBatchServer<B> {
  /** The `baseURL` for the provider's SDK. */
  readonly url: string;
  readonly requests: readonly FakeBatchRequestLog[];
  /** The batches created, in order. */
  readonly batches: readonly B[];
  /** Keeps batches in progress until `release`. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/** Whether batches are kept in progress (a fake's routes read it before moving a batch on). */
export interface BatchHold {
  held: boolean;
}

/** The test's handle on a fake batch API served by `http`. */
export function fakeBatchServer<B>(
  http: FakeBatchHttpServer,
  url: string,
  batches: readonly B[],
  hold: BatchHold,
): FakeBatchServer<B> {
  return {
    url,
    get requests() {
      return http.requests;
    },
    batches,
    hold: () => {
      hold.held = true;
    },
    release: () => {
      hold.held = false;
    },
    close: () => http.close(),
  };
}
