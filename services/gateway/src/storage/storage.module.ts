import { Module } from '@nestjs/common';
import { StorageFilesController } from './storage-files.controller';

/** Files users keep, relayed to the media-gen service that stores them. */
@Module({ controllers: [StorageFilesController] })
export class StorageModule {}
