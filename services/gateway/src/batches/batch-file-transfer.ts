import { Injectable } from '@nestjs/common';
import { Bus, ObjectTransfer } from '@conduit/bus';
import { MEDIA_BATCH_FILES_BUCKET } from '@conduit/contracts';
import type { UploadSink } from '../http/upload-form';

/** Batch files to and from media-gen through their Object Store bucket. */
@Injectable()
export class BatchFileTransfer implements UploadSink {
  private readonly transfer: ObjectTransfer;

  constructor(bus: Bus) {
    this.transfer = new ObjectTransfer(bus, MEDIA_BATCH_FILES_BUCKET);
  }

  put(content: ReadableStream<Uint8Array>): Promise<string> {
    return this.transfer.put(content);
  }

  /** A file's content media-gen left in the bucket for this request. */
  take(name: string): Promise<Uint8Array> {
    return this.transfer.take(name, Number.MAX_SAFE_INTEGER);
  }

  discard(name: string): Promise<void> {
    return this.transfer.delete(name);
  }
}
