import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

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
  const sockets = new Set<Socket>();
  let active = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    active++;
    res.on('close', () => active--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const request: FakeHttpRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(request);
      Promise.resolve(handler(request, res)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    activeResponses: () => active,
    clearRequests: () => {
      requests.length = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
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
