import { context, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { METRIC_PREFIX, ServiceMetrics } from './service-metrics';

/** Polled by the orchestrator: counted, never logged. */
const POLLED_ROUTES = new Set(['/healthz', '/readyz']);

/**
 * Counts every HTTP request by method, route pattern and status, with its duration. The route is
 * the pattern (`/api/v1/chat/sessions/:sessionId`), never the raw URL; unmatched paths count as
 * `unmatched`. A streamed (SSE) response counts when it ends, so its duration is the stream's.
 * With a logger, each request is also one debug line (the same fields, in the request's trace).
 *
 * Call on the Fastify instance before the application registers its routes.
 */
export function instrumentHttpServer(
  fastify: FastifyInstance,
  metrics: ServiceMetrics,
  logger?: Logger,
): void {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = metrics.counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames,
  });
  const seconds = metrics.histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration until the response ended (the whole stream for SSE)',
    labelNames,
  });

  fastify.addHook('onRequest', (request, reply, done) => {
    const startedAt = performance.now();
    const pattern = request.routeOptions.url;
    const route = pattern ?? 'unmatched';
    // The HTTP instrumentation only knows the method; name its server span after the route too.
    const span = trace.getActiveSpan();
    if (span && pattern) {
      span.updateName(`${request.method} ${pattern}`);
      span.setAttribute('http.route', pattern);
    }
    const within = context.active();
    reply.raw.once('close', () => {
      const labels = { method: request.method, route, status: String(reply.raw.statusCode) };
      const elapsed = performance.now() - startedAt;
      requests.inc(labels);
      seconds.observe(labels, elapsed / 1000);
      if (logger?.isLevelEnabled('debug') && !POLLED_ROUTES.has(route)) {
        context.with(within, () =>
          logger.debug({ ...labels, durationMs: Math.round(elapsed) }, 'http request'),
        );
      }
    });
    done();
  });
}
