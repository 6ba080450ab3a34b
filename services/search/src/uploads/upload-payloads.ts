import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { Bus, ObjectTransfer } from '@conduit/bus';
import { SEARCH_UPLOADS_BUCKET, validationError } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { SearchConfig } from '../config';

/** Reads what the gateway put into the uploads bucket: payloads too large for one bus message, and files. */
@Injectable()
export class UploadPayloads {
  private readonly transfer: ObjectTransfer;

  constructor(
    bus: Bus,
    @InjectConfig() private readonly config: SearchConfig,
  ) {
    this.transfer = new ObjectTransfer(bus, SEARCH_UPLOADS_BUCKET);
  }

  /** The payload, from the message itself or from its upload (read once, then removed). */
  async resolve<T extends z.ZodType>(
    part: { inline: z.output<T> } | { upload: string },
    schema: T,
  ): Promise<z.output<T>> {
    if ('inline' in part) return part.inline;
    const bytes = await this.takeBytes(part.upload);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw validationError(parsed.error);
    return parsed.data;
  }

  /** An uploaded file's bytes (read once, then removed). */
  takeBytes(upload: string): Promise<Uint8Array> {
    return this.transfer.take(upload, this.config.SEARCH_UPLOAD_MAX_BYTES);
  }
}
