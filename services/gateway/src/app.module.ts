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
import { OpenAiCompatModule } from './openai-compat/openai-compat.module';
import { OpenApiDocument } from './openapi/openapi-document';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { RequestRateLimitInterceptor } from './rate-limits/request-rate-limit.interceptor';
import { StreamingModule } from './streaming/streaming.module';
import { UsageModule } from './usage/usage.module';
import { WsModule } from './ws/ws.module';

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
        StreamingModule,
        ChatModule,
        OpenAiCompatModule,
        WsModule,
        RateLimitsModule,
        UsageModule,
      ],
      controllers: [DocsController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        OpenApiDocument,
        // Global interceptors run in this order, after every guard: count the request, then validate it.
        { provide: APP_INTERCEPTOR, useClass: RequestRateLimitInterceptor },
        { provide: APP_INTERCEPTOR, useClass: ApiValidationInterceptor },
      ],
      exports: [GATEWAY_CONFIG],
    };
  }
}
