import type { ServerResponse } from 'node:http';
import { serveOnLoopback } from './loopback-http-server';

/** One request as a fake HTTP API received it. */
export interface FakeHttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface FakeHttpServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly requests: readonly FakeHttpRequest[];
  /** Requests whose response has not ended (a stalled one stays until the client leaves). */
  activeResponses(): number;
  clearRequests(): void;
  close(): Promise<void>;
}

export type FakeHttpHandler = (request: FakeHttpRequest, res: ServerResponse) => void | Promise<void>;

/**
 * The listening side of the fakes that speak a provider's plain HTTP API (videos, Stability, Gemini):
 * loopback only, a log of what arrived, and teardown that leaves no socket open. Each fake supplies the
 * handler that speaks its protocol.
 */
export async function startFakeHttpServer(handler: FakeHttpHandler): Promise<FakeHttpServer> {
  const requests: FakeHttpRequest[] = [];
  let active = 0;
  const server = await serveOnLoopback(async (req, res) => {
    active++;
    res.on('close', () => active--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: FakeHttpRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(request);
    try {
      await handler(request, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  return {
    origin: server.url,
    requests,
    activeResponses: () => active,
    clearRequests: () => {
      requests.length = 0;
    },
    close: () => server.close(),
  };
}

/** Sends a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A multipart/form-data body read the way a server does (undici's parser, Node's own fetch). */
export async function parseMultipart(request: FakeHttpRequest): Promise<FormData> {
  const contentType = String(request.headers['content-type'] ?? '');
  return new Response(request.body, { headers: { 'content-type': contentType } }).formData();
}
