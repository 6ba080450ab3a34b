import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { GatewayConfig } from './config';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { ChatWebSocketServer } from './ws/chat-websocket.server';

/** Builds and starts the gateway; shared by main.ts and the integration tests. */
export async function startGateway(config: GatewayConfig): Promise<NestFastifyApplication> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  return startService({
    name: 'gateway',
    module: AppModule.forRoot(config),
    host: config.HOST,
    port: config.PORT,
    logger,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    configure: (app) => {
      app.useGlobalFilters(new HttpExceptionFilter(logger));
      app.get(ChatWebSocketServer).attach(app.getHttpServer());
    },
  });
}
