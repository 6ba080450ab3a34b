import { Module } from '@nestjs/common';
import { BatchFileTransfer } from './batch-file-transfer';
import { OpenAiBatchesController } from './openai-batches.controller';
import { OpenAiFilesController } from './openai-files.controller';

/** OpenAI's Files and Batch APIs, relayed to the media-gen service. */
@Module({
  controllers: [OpenAiFilesController, OpenAiBatchesController],
  providers: [BatchFileTransfer],
})
export class BatchesModule {}
