import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { DatabaseModule, RedisModule } from '@conduit/service-kit';
import { AgentsModule } from './agents/agents.module';
import { McpServersModule } from './agents-mcp/mcp-servers.module';
import { NotificationsModule } from './notifications/notifications.module';
import { SchedulesModule } from './schedules/schedules.module';
import { ConnectorsModule } from './connectors/connectors.module';
import { AudioModule } from './audio/audio.module';
import { BatchesModule } from './batches/batches.module';
import { ChatModule } from './chat/chat.module';
import { ConsoleModule } from './console/console.module';
import { PrismaClient } from './generated/prisma/client';
import { ApiValidationInterceptor } from './http/api-validation.interceptor';
import { IdentityModule } from './identity/identity.module';
import { DocsController } from './openapi/docs.controller';
import { OpenAiCompatModule } from './openai-compat/openai-compat.module';
import { OpenApiDocument } from './openapi/openapi-document';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { RequestRateLimitInterceptor } from './rate-limits/request-rate-limit.interceptor';
import { HealthModule } from './health/health.module';
import { MediaModule } from './media/media.module';
import { StorageModule } from './storage/storage.module';
import { MemoryModule } from './memory/memory.module';
import { SearchModule } from './search/search.module';
import { StreamingModule } from './streaming/streaming.module';
import { UsageModule } from './usage/usage.module';
import { TelephonyModule } from './telephony/telephony.module';
import { VoiceModule } from './voice/voice.module';
import { WsModule } from './ws/ws.module';

@Module({
  imports: [
    DiscoveryModule,
    DatabaseModule.forRoot({ client: PrismaClient }),
    RedisModule.forRoot(),
    IdentityModule,
    StreamingModule,
    ChatModule,
    OpenAiCompatModule,
    WsModule,
    RateLimitsModule,
    UsageModule,
    SearchModule,
    HealthModule,
    MemoryModule,
    VoiceModule,
    TelephonyModule,
    AudioModule,
    MediaModule,
    BatchesModule,
    StorageModule,
    // Before AgentsModule: /api/v1/agents/mcp-servers is not an agent id.
    McpServersModule,
    AgentsModule,
    SchedulesModule,
    NotificationsModule,
    ConnectorsModule,
    ConsoleModule,
  ],
  controllers: [DocsController],
  providers: [
    OpenApiDocument,
    // Global interceptors run in this order, after every guard: count the request, then validate it.
    { provide: APP_INTERCEPTOR, useClass: RequestRateLimitInterceptor },
    { provide: APP_INTERCEPTOR, useClass: ApiValidationInterceptor },
  ],
})
export class AppModule {}
