import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { Bus, ObjectTransfer } from '@conduit/bus';
import { HEALTH_UPLOAD_TTL_MS, HEALTH_UPLOADS_BUCKET, type ImportAcceptedEvent } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { HealthDataConfig } from '../config';

/**
 * An import's bytes: in its stream message, or an object in the uploads bucket, read whole or streamed
 * into a file. Objects are left in place until the import has finished, so an import interrupted by a
 * crash finds them again.
 */
@Injectable()
export class ImportContent {
  private readonly transfer: ObjectTransfer;

  constructor(
    bus: Bus,
    @InjectConfig() private readonly config: HealthDataConfig,
  ) {
    this.transfer = new ObjectTransfer(bus, HEALTH_UPLOADS_BUCKET, HEALTH_UPLOAD_TTL_MS);
  }

  async read(event: ImportAcceptedEvent): Promise<Uint8Array> {
    if ('inline' in event.content) return Buffer.from(event.content.inline, 'base64');
    return this.transfer.read(event.content.object, this.maxBytesOf(event));
  }

  /** Writes the bytes to a file as they are read, for content too large to hold in memory. */
  async saveTo(event: ImportAcceptedEvent, path: string): Promise<void> {
    if ('inline' in event.content) return writeFile(path, Buffer.from(event.content.inline, 'base64'));
    const { stream } = await this.transfer.readStream(event.content.object, this.maxBytesOf(event));
    await pipeline(stream, createWriteStream(path));
  }

  /** The most the service reads of an import: an Apple Health export may be far larger than other uploads. */
  maxBytesOf(event: ImportAcceptedEvent): number {
    return event.kind === 'apple-health'
      ? this.config.HEALTH_EXPORT_MAX_BYTES
      : this.config.HEALTH_UPLOAD_MAX_BYTES;
  }

  async release(event: ImportAcceptedEvent): Promise<void> {
    if ('object' in event.content) await this.transfer.delete(event.content.object);
  }
}
