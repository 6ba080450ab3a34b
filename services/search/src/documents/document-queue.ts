import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Bus } from '@conduit/bus';
import { SearchContract } from '@conduit/contracts';

/** Whose documents: the user, and the API key the request came with (its budgets apply to indexing too). */
export interface DocumentOwner {
  userId: string;
  apiKeyId: string | null;
}

/**
 * The durable ingest stream: one JetStream message per accepted document revision, acknowledged by
 * JetStream before the document's acceptance is answered. The message names the document and its
 * revision only; the text stays in Postgres, so no document is ever too large for a bus message.
 */
@Injectable()
export class DocumentQueue implements OnModuleInit {
  constructor(private readonly bus: Bus) {}

  async onModuleInit(): Promise<void> {
    await this.bus.ensureEventStreams([SearchContract.documentAccepted]);
  }

  /**
   * Resolves once every message is stored. A message sent twice for one revision is stored once, unless
   * `again` says it is meant to be indexed once more.
   */
  async enqueue(
    owner: DocumentOwner,
    documents: readonly { id: string; revision: number }[],
    options: { again?: boolean } = {},
  ): Promise<void> {
    const suffix = options.again ? `.${randomUUID()}` : '';
    await Promise.all(
      documents.map((d) =>
        this.bus.publish(
          SearchContract.documentAccepted,
          { documentId: d.id, revision: d.revision },
          { userId: owner.userId, apiKeyId: owner.apiKeyId },
          { messageId: `${d.id}.${d.revision}${suffix}` },
        ),
      ),
    );
  }
}
