import { Injectable, Logger } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  type AcceptedDocument,
  type Document,
  type DocumentInput,
  type DocumentPage,
  type ListDocumentsQuery,
  type SubmittedDocument,
} from '@conduit/contracts';
import { CollectionRepository } from '../collections/collection.repository';
import { SearchEngine } from '../engine/search-engine';
import { DocumentQueue, type DocumentOwner } from './document-queue';
import { DocumentRepository } from './document.repository';
import { decodeCursor, encodeCursor } from './document-cursor';
import { newDocumentOf } from './new-document';

/** Accepting, reading, replacing and deleting a user's documents. */
@Injectable()
export class DocumentsService {
  private readonly logger = new Logger(DocumentsService.name);

  constructor(
    private readonly documents: DocumentRepository,
    private readonly collections: CollectionRepository,
    private readonly queue: DocumentQueue,
    private readonly engine: SearchEngine,
  ) {}

  /**
   * Stores the documents as `pending` and puts each into the durable ingest stream, all or none: when
   * the stream does not take them all, the stored ones are removed again and the caller told to retry.
   */
  async submit(
    owner: DocumentOwner,
    inputs: readonly SubmittedDocument[],
    contentType = 'text',
  ): Promise<AcceptedDocument[]> {
    const { userId } = owner;
    await this.assertCollectionsExist(userId, inputs);
    const documents = inputs.map((input) => newDocumentOf(input, contentType));
    const states = await this.documents.insertMany(userId, documents);
    // Documents answered by an earlier submit of their key were queued by it.
    const stored = documents.filter((_, i) => states[i]?.stored);
    try {
      if (stored.length > 0) {
        await this.queue.enqueue(
          owner,
          stored.map((d) => ({ id: d.id, revision: 1 })),
        );
      }
    } catch (error) {
      this.logger.error(`could not queue accepted documents: ${String(error)}`);
      await this.withdraw(
        userId,
        stored.map((d) => d.id),
      );
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        'The documents could not be queued; nothing was kept',
      );
    }
    return states.map((state) => {
      // The document stored earlier with this key was deleted between this submit's two statements.
      if (!state) throw new DomainError(ErrorCode.ServiceUnavailable, 'A document changed meanwhile; retry');
      return { id: state.id, status: state.status };
    });
  }

  async replace(
    owner: DocumentOwner,
    id: string,
    input: DocumentInput,
    contentType = 'text',
  ): Promise<AcceptedDocument> {
    const { userId } = owner;
    await this.assertCollectionsExist(userId, [input]);
    const revision = await this.documents.replace(userId, newDocumentOf(input, contentType, id));
    if (revision === null) throw notFound();
    try {
      await this.queue.enqueue(owner, [{ id, revision }]);
    } catch (error) {
      this.logger.error(`could not queue a replaced document: ${String(error)}`);
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        'The new content is stored but could not be queued for indexing; send it again',
      );
    }
    return { id, status: 'pending' };
  }

  async get(userId: string, id: string): Promise<Document> {
    const document = await this.documents.find(userId, id);
    if (!document) throw notFound();
    return document;
  }

  async list(userId: string, query: ListDocumentsQuery): Promise<DocumentPage> {
    const beforeSeq = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await this.documents.list(userId, {
      ...(query.collection === undefined ? {} : { collection: query.collection }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(beforeSeq === undefined ? {} : { beforeSeq }),
      limit: query.limit + 1,
    });
    const shown = page.slice(0, query.limit);
    const last = shown[shown.length - 1];
    return {
      data: shown.map((entry) => entry.document),
      nextCursor: page.length > query.limit && last ? encodeCursor(last.seq) : null,
    };
  }

  /** Removes every chunk of the document, then the document: no chunk outlives it. */
  async delete(userId: string, id: string): Promise<void> {
    if (!(await this.documents.find(userId, id))) throw notFound();
    await this.engine.deleteDocument(userId, id);
    await this.documents.delete(userId, id);
  }

  /** Deletes documents with their chunks (a collection being removed, a batch that could not be queued). */
  async withdraw(userId: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.engine.deleteDocument(userId, id);
    await this.documents.deleteMany(userId, ids);
  }

  private async assertCollectionsExist(userId: string, inputs: readonly DocumentInput[]): Promise<void> {
    const named = inputs.flatMap((input) => (input.collection === undefined ? [] : [input.collection]));
    const unknown = await this.collections.unknownAmong(userId, named);
    if (unknown.length > 0) {
      throw new DomainError(ErrorCode.NotFound, `Unknown collection: ${unknown.join(', ')}`, {
        collections: unknown,
      });
    }
  }
}

const notFound = () => new DomainError(ErrorCode.NotFound, 'No document with that id');
