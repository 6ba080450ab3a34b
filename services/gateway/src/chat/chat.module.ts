import { Module } from '@nestjs/common';
import { StreamingModule } from '../streaming/streaming.module';
import { ChatSessionsController } from './chat-sessions.controller';
import { ModelsController } from './models.controller';

/** Chat sessions and their answers over HTTP/SSE; `/ws` and `/v1` start the same stream endpoints. */
@Module({
  imports: [StreamingModule],
  controllers: [ChatSessionsController, ModelsController],
})
export class ChatModule {}
