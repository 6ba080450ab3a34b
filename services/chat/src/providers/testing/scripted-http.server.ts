import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One fixed answer for every request; `hang` accepts the request and never answers. */
export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  hang?: boolean;
  /** Sends the body, then keeps the response open (a stalled stream). */
  keepOpen?: boolean;
}

export interface ScriptedHttpServer {
  /** `http://127.0.0.1:<port>`; add the path prefix the SDK expects (`/v1` for OpenAI). */
  origin: string;
  /** Responses whose connection was closed before the response ended (the client went away). */
  readonly abandoned: number;
  close(): Promise<void>;
}

/**
 * For the wire details the shared fake providers do not script (cache hits, refusals, a server that never
 * answers): a local HTTP server replaying one exact response, SSE body included.
 */
export async function startScriptedHttpServer(response: ScriptedResponse): Promise<ScriptedHttpServer> {
  const sockets = new Set<Socket>();
  let abandoned = 0;
  const server = createServer((req, res: ServerResponse) => {
    req.resume();
    res.once('close', () => {
      if (!res.writableEnded) abandoned += 1;
    });
    if (response.hang) return;
    req.on('end', () => {
      res.writeHead(response.status ?? 200, response.headers ?? { 'content-type': 'text/event-stream' });
      if (response.keepOpen) res.write(response.body ?? '');
      else res.end(response.body ?? '');
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    get abandoned() {
      return abandoned;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** The SSE text of a list of events: `data` objects are JSON-encoded, strings are sent as-is. */
export function sseBody(events: ReadonlyArray<{ event?: string; data: unknown }>): string {
  return events
    .map(
      ({ event, data }) =>
        `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    )
    .join('');
}
