import { Logger, type Provider } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import type { MediaGenConfig } from '../config';
import { LocalFileStorage } from './local-file.storage';
import { MEDIA_STORAGE, type MediaStorage } from './media-storage.port';
import { S3Storage } from './s3.storage';
import { SignedUrls } from './signed-urls';

/**
 * The storage this deployment keeps files in, by MEDIA_STORAGE: a local folder (default) or an S3 bucket;
 * and the signer of the file URLs the gateway serves.
 */
export const storageProviders = (config: MediaGenConfig): Provider[] => [
  { provide: MEDIA_STORAGE, useValue: storageOf(config) },
  { provide: SignedUrls, useValue: signedUrlsOf(config) },
];

function signedUrlsOf(config: MediaGenConfig): SignedUrls {
  let secret = config.MEDIA_URL_SECRET;
  if (!secret) {
    new Logger(SignedUrls.name).warn(
      'MEDIA_URL_SECRET is not set: file URLs are signed with a random key and work on this process only',
    );
    secret = randomBytes(32).toString('hex');
  }
  return new SignedUrls(secret, config.MEDIA_URL_TTL_MS);
}

const ABANDONED_WRITE_AGE_MS = 60 * 60_000;

export function storageOf(config: MediaGenConfig): MediaStorage {
  switch (config.MEDIA_STORAGE) {
    case 'local': {
      const storage = new LocalFileStorage(config.MEDIA_STORAGE_DIR);
      // Writes a crashed process left half done; an hour is far past any live write's last touch.
      void storage
        .removeAbandonedWrites(new Date(Date.now() - ABANDONED_WRITE_AGE_MS))
        .then((removed) => {
          if (removed > 0) new Logger('LocalFileStorage').log(`removed ${removed} unfinished writes`);
        })
        .catch((error: unknown) =>
          new Logger('LocalFileStorage').warn(`unfinished writes not removed: ${String(error)}`),
        );
      return storage;
    }
    case 's3':
      return new S3Storage({
        client: s3ClientOf(config),
        bucket: config.MEDIA_S3_BUCKET!,
        prefix: config.MEDIA_S3_PREFIX,
        partBytes: config.MEDIA_S3_PART_BYTES,
        queueSize: config.MEDIA_S3_UPLOAD_CONCURRENCY,
      });
  }
}

function s3ClientOf(config: MediaGenConfig): S3Client {
  const keyId = config.MEDIA_S3_ACCESS_KEY_ID;
  const secret = config.MEDIA_S3_SECRET_ACCESS_KEY;
  return new S3Client({
    region: config.MEDIA_S3_REGION,
    ...(config.MEDIA_S3_ENDPOINT ? { endpoint: config.MEDIA_S3_ENDPOINT } : {}),
    forcePathStyle: config.MEDIA_S3_FORCE_PATH_STYLE,
    ...(keyId && secret ? { credentials: { accessKeyId: keyId, secretAccessKey: secret } } : {}),
    // Checksums only where S3 requires them: many S3-compatible servers reject the newer default ones.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
