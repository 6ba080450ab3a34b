import { Injectable } from '@nestjs/common';
import { Bus, ObjectTransfer } from '@conduit/bus';
import { SEARCH_UPLOADS_BUCKET } from '@conduit/contracts';

/** Room left in a bus message for its headers and request envelope. */
const HEADROOM_BYTES = 64 * 1024;

/**
 * Hands payloads to the search service: in the bus message itself when they fit (NATS' max_payload, 1 MB
 * by default), through the uploads Object Store bucket (which splits them into chunks) when they do not.
 * The search service removes an upload once it has read it; `discard` removes one it never got to.
 */
@Injectable()
export class SearchTransfer {
  private readonly transfer: ObjectTransfer;

  constructor(private readonly bus: Bus) {
    this.transfer = new ObjectTransfer(bus, SEARCH_UPLOADS_BUCKET);
  }

  async inlineOrUpload<T>(value: T): Promise<{ inline: T } | { upload: string }> {
    const json = Buffer.from(JSON.stringify(value));
    const maxInline = (this.bus.connection.info?.max_payload ?? 1_048_576) - HEADROOM_BYTES;
    if (json.length <= maxInline) return { inline: value };
    return { upload: await this.transfer.put(json) };
  }

  putFile(content: ReadableStream<Uint8Array>): Promise<string> {
    return this.transfer.put(content);
  }

  async discard(part: { inline: unknown } | { upload: string }): Promise<void> {
    if ('upload' in part) await this.transfer.delete(part.upload);
  }
}
