import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Bus, ObjectTransfer } from '@conduit/bus';
import {
  HEALTH_UPLOAD_TTL_MS,
  HEALTH_UPLOADS_BUCKET,
  HealthDataContract,
  type AcceptedImport,
  type CallerContext,
  type HealthImportKind,
} from '@conduit/contracts';

/** Room left in a bus message for its headers and the event's other fields (base64 grows by a third). */
const MAX_INLINE_BYTES = 512 * 1024;

/**
 * Takes health uploads and webhooks in: the content goes in the import's stream message when small,
 * otherwise into the uploads bucket, and the message into the durable import stream, before the sender
 * is answered 202. The health-data service ingests it from there, also when it was down at the time.
 */
@Injectable()
export class HealthIntake implements OnModuleInit {
  private readonly transfer: ObjectTransfer;

  constructor(private readonly bus: Bus) {
    this.transfer = new ObjectTransfer(bus, HEALTH_UPLOADS_BUCKET, HEALTH_UPLOAD_TTL_MS);
  }

  async onModuleInit(): Promise<void> {
    await this.bus.ensureEventStreams([HealthDataContract.importAccepted]);
  }

  /** Stores an upload's bytes in the bucket as they arrive; `accept` it afterwards, or `discard` it. */
  putFile(content: ReadableStream<Uint8Array>): Promise<string> {
    return this.transfer.put(content);
  }

  discard(object: string): Promise<void> {
    return this.transfer.delete(object);
  }

  /** Puts the import in the durable stream (JetStream has stored it when this resolves). */
  async accept(
    owner: CallerContext,
    kind: HealthImportKind,
    content: { bytes: Uint8Array } | { object: string; size: number },
    filename?: string,
  ): Promise<AcceptedImport> {
    const importId = randomUUID();
    let object: string | null = 'object' in content ? content.object : null;
    if (!object && 'bytes' in content && content.bytes.length > MAX_INLINE_BYTES) {
      object = await this.transfer.put(content.bytes);
    }
    const bytes = 'bytes' in content ? content.bytes.length : content.size;
    try {
      await this.bus.publish(
        HealthDataContract.importAccepted,
        {
          importId,
          kind,
          ...(filename ? { filename: filename.slice(0, 500) } : {}),
          bytes,
          content: object
            ? { object }
            : { inline: Buffer.from((content as { bytes: Uint8Array }).bytes).toString('base64') },
          acceptedAt: new Date().toISOString(),
        },
        owner,
        { messageId: importId },
      );
    } catch (error) {
      if (object) await this.transfer.delete(object);
      throw error;
    }
    return { importId, status: 'queued' };
  }
}
