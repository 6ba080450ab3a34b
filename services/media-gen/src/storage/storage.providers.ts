import type { Provider } from '@nestjs/common';
import type { MediaGenConfig } from '../config';
import { LocalFileStorage } from './local-file.storage';
import { MEDIA_STORAGE } from './media-storage.port';

/** The storage this deployment keeps files in: the local filesystem (S3 is not built yet). */
export const storageProviders = (config: MediaGenConfig): Provider[] => [
  { provide: MEDIA_STORAGE, useValue: new LocalFileStorage(config.MEDIA_STORAGE_DIR) },
];
