import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { BusModule, busOptionsFrom, HealthModule } from '@conduit/service-kit';
import { ChatModule } from './chat/chat.module';
import type { GatewayConfig } from './config';
import { GATEWAY_CONFIG } from './gateway-config.token';
import { ApiValidationInterceptor } from './http/api-validation.interceptor';
import { IdentityModule } from './identity/identity.module';
import { RedisModule } from './infra/redis.module';
import { DocsController } from './openapi/docs.controller';
import { OpenApiDocument } from './openapi/openapi-document';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      // Global so feature modules can inject the gateway config.
      global: true,
      imports: [
        DiscoveryModule,
        BusModule.forRoot(busOptionsFrom(config, 'gateway')),
        HealthModule,
        RedisModule.forRoot({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }),
        IdentityModule,
        ChatModule,
      ],
      controllers: [DocsController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        OpenApiDocument,
        { provide: APP_INTERCEPTOR, useClass: ApiValidationInterceptor },
      ],
      exports: [GATEWAY_CONFIG],
    };
  }
}
