import { Module } from '@nestjs/common';
import { StreamingModule } from '../streaming/streaming.module';
import { OpenAiCompatController } from './openai-compat.controller';

/** OpenAI's API shape over the chat service, for the official SDKs. */
@Module({
  imports: [StreamingModule],
  controllers: [OpenAiCompatController],
})
export class OpenAiCompatModule {}
