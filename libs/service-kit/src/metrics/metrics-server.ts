import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceMetrics } from './service-metrics';

export const METRICS_PATH = '/metrics';

/**
 * `GET /metrics` (Prometheus text, no authentication) on a port of its own, METRICS_PORT. On the
 * service's HTTP port it would be public wherever that port is: the gateway's is the internet's. The
 * ingress routes only PORT, so metrics stay inside the cluster; anything but `GET /metrics` here is 404.
 */
@Injectable()
export class MetricsServer implements OnApplicationShutdown {
  private server: Server | null = null;

  constructor(private readonly metrics: ServiceMetrics) {}

  /** Starts listening; port 0 takes a free one (see {@link port}). */
  async listen(port: number, host: string): Promise<void> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?', 1)[0];
      if (request.method !== 'GET' || path !== METRICS_PATH) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
        return;
      }
      this.metrics.render().then(
        (body) =>
          response
            .writeHead(200, { 'content-type': this.metrics.contentType, 'cache-control': 'no-store' })
            .end(body),
        (error: unknown) =>
          response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(error)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** The port it listens on; 0 before {@link listen}. */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  // Closed last, with the application: Prometheus may scrape a service while it drains.
  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
