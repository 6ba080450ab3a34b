import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { OpenAiCompatController } from '../openai-compat/openai-compat.controller';
import { ChatWebSocketServer } from '../ws/chat-websocket.server';
import { ChatSessionsController } from './chat-sessions.controller';
import { ChatStreamsService } from './chat-streams.service';
import { StreamAdmission } from './stream-admission.service';
import { StreamOwnership } from './stream-ownership';
import { ModelsController } from './models.controller';

/** Chat over HTTP/SSE, WebSocket and the OpenAI-compatible API, all relaying the chat service's streams. */
@Module({
  imports: [IdentityModule, RateLimitsModule],
  controllers: [ChatSessionsController, ModelsController, OpenAiCompatController],
  providers: [ChatStreamsService, StreamAdmission, StreamOwnership, ChatWebSocketServer],
  exports: [ChatWebSocketServer],
})
export class ChatModule {}
