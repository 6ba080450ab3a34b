import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** An HTTP server on 127.0.0.1 (or another loopback address) that a fake provider answers from. */
export interface LoopbackHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops listening and cuts the connections still open (keep-alive, answers held on purpose). */
  close(): Promise<void>;
}

/**
 * Serves `handle` on a free loopback port. A handler that throws, or a client that goes away
 * mid-answer, ends that one response and never the test process. `host` may name another address of
 * 127.0.0.0/8 (Linux answers on all of them), for tests that tell two loopback servers apart by address.
 */
export async function serveOnLoopback(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  options: { host?: string } = {},
): Promise<LoopbackHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
