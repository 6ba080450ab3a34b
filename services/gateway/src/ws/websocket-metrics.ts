import { METRIC_PREFIX, ServiceMetrics } from '@conduit/service-kit';
import type { GatewayWebSocketServer } from './gateway-websocket.server';

/** `conduit_websockets_open`: the gateway's open WebSocket connections, read at every scrape. */
export function registerWebSocketMetrics(metrics: ServiceMetrics, server: GatewayWebSocketServer): void {
  metrics.gauge({
    name: `${METRIC_PREFIX}websockets_open`,
    help: 'WebSocket connections open now',
    collect() {
      this.set(server.openConnections);
    },
  });
}
