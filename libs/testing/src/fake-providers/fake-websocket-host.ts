import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** One WebSocket upgrade request reaching a fake provider, to refuse or accept. */
export interface WebSocketUpgrade {
  readonly req: IncomingMessage;
  /** The request's path and query (on a placeholder origin). */
  readonly url: URL;
  /** The TCP connection under it (for faults: destroying it mid-stream). */
  readonly socket: Socket;
  /** Answers with a plain HTTP response on the raw socket, as a provider refusing the upgrade does. */
  refuse(status: number, body: string, headers?: Record<string, string>): void;
  /** Completes the upgrade; the socket counts as open until it closes. */
  accept(serve: (ws: WebSocket) => void): void;
}

export interface FakeWebSocketHost {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** WebSockets open now. */
  openSockets(): number;
  /** Cuts every socket and connection, then stops listening. */
  close(): Promise<void>;
}

/**
 * The server side every fake WebSocket provider shares: a loopback HTTP server whose upgrades go to
 * `onUpgrade` (plain requests to `onRequest`, 404 without one), keeping count of the sockets it opened
 * so tests can see a client close them, and closing everything at once.
 */
export async function hostFakeWebSockets(handlers: {
  onUpgrade(upgrade: WebSocketUpgrade): void;
  onRequest?(req: IncomingMessage, res: ServerResponse): void;
}): Promise<FakeWebSocketHost> {
  const connections = new Set<Socket>();
  const live = new Set<WebSocket>();
  const server = createServer((req, res) => {
    if (handlers.onRequest) return handlers.onRequest(req, res);
    res.writeHead(404);
    res.end();
  });
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // SDKs that join a base URL ending in a slash to a path send `//path`: one slash is meant.
    const url = new URL(`http://fake.invalid${(req.url ?? '/').replace(/^\/+/, '/')}`);
    handlers.onUpgrade({
      req,
      url,
      socket,
      refuse: (status, body, headers = {}) => {
        const all = {
          'content-type': 'application/json',
          ...headers,
          'content-length': String(Buffer.byteLength(body)),
        };
        const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`);
        socket.end(
          `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('')}connection: close\r\n\r\n${body}`,
        );
      },
      accept: (serve) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          live.add(ws);
          ws.once('close', () => live.delete(ws));
          serve(ws);
        }),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    openSockets: () => live.size,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const ws of live) ws.terminate();
      for (const socket of connections) socket.destroy();
      wss.close();
      await closed;
    },
  };
}
