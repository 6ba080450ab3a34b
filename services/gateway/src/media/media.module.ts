import { Module } from '@nestjs/common';
import { StreamingModule } from '../streaming/streaming.module';
import { MediaFilesController } from './media-files.controller';
import { MediaJobsController } from './media-jobs.controller';

/** Generation jobs and their files, relayed to the media-gen service. */
@Module({
  imports: [StreamingModule],
  controllers: [MediaJobsController, MediaFilesController],
})
export class MediaModule {}
