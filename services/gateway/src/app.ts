import { Module, type Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { SERVICE_LOGGER, ServiceMetrics, startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { GatewayConfig } from './config';
import fastifyMultipart from '@fastify/multipart';
import { CONSOLE_CONTENT_SECURITY_POLICY, CONSOLE_PATH } from './console/console.controller';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { applyRouteBodyLimits } from './http/route-body-limit';
import { registerSecurityHeaders } from './http/security-headers';
import { DOCS_CONTENT_SECURITY_POLICY, DOCS_PATH } from './openapi/docs.controller';
import { GatewayWebSocketServer } from './ws/gateway-websocket.server';
import { registerWebSocketMetrics } from './ws/websocket-metrics';

/** The gateway's own features plus more, for tests that add an endpoint the way a new service would. */
@Module({})
class ExtendedAppModule {}

/**
 * Builds and starts the gateway; shared by main.ts and the integration tests. `extraFeatures` are
 * feature modules served beside the gateway's own.
 */
export async function startGateway(
  config: GatewayConfig,
  extraFeatures: Type<unknown>[] = [],
): Promise<NestFastifyApplication> {
  return startService({
    service: 'gateway',
    config,
    module:
      extraFeatures.length === 0
        ? AppModule
        : { module: ExtendedAppModule, imports: [AppModule, ...extraFeatures] },
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    bodyDrainLimitBytes: config.BODY_DRAIN_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // The edge: on SIGTERM no new connections; relays in flight get the grace period.
    stopListeningOnShutdown: true,
    configure: async (app) => {
      applyRouteBodyLimits(app.getHttpAdapter().getInstance(), {
        SEARCH_DOCUMENTS_BODY_LIMIT_BYTES: config.SEARCH_DOCUMENTS_BODY_LIMIT_BYTES,
        HEALTH_WEBHOOK_BODY_LIMIT_BYTES: config.HEALTH_WEBHOOK_BODY_LIMIT_BYTES,
      });
      // Only routes that read parts themselves (the search file upload) accept multipart bodies.
      await app.register(fastifyMultipart, {
        limits: { fileSize: config.SEARCH_FILE_MAX_BYTES, files: 1, fields: 20, fieldSize: 16 * 1024 },
      });
      registerSecurityHeaders(app.getHttpAdapter().getInstance(), {
        hstsMaxAgeSeconds: config.HSTS_MAX_AGE_SECONDS,
        pages: [
          { pathPrefix: DOCS_PATH, directives: DOCS_CONTENT_SECURITY_POLICY },
          { pathPrefix: CONSOLE_PATH, directives: CONSOLE_CONTENT_SECURITY_POLICY },
        ],
      });
      app.useGlobalFilters(new HttpExceptionFilter(app.get<Logger>(SERVICE_LOGGER)));
      app.get(GatewayWebSocketServer).attach(app.getHttpServer());
      registerWebSocketMetrics(app.get(ServiceMetrics), app.get(GatewayWebSocketServer));
    },
  });
}
