import { Injectable } from '@nestjs/common';
import { DEFAULT_COLLECTION, DomainError, ErrorCode, type Collection } from '@conduit/contracts';
import { CollectionRepository } from '../collections/collection.repository';
import { DocumentRepository } from './document.repository';
import { DocumentsService } from './documents.service';

/** A user's named collections; deleting one deletes its documents and their chunks. */
@Injectable()
export class CollectionsService {
  constructor(
    private readonly collections: CollectionRepository,
    private readonly documents: DocumentRepository,
    private readonly documentsService: DocumentsService,
  ) {}

  list(userId: string): Promise<Collection[]> {
    return this.collections.list(userId);
  }

  async create(userId: string, name: string, description: string | null): Promise<Collection> {
    const created =
      name === DEFAULT_COLLECTION ? null : await this.collections.create(userId, name, description);
    if (!created) throw new DomainError(ErrorCode.Conflict, `A collection named ${name} already exists`);
    return created;
  }

  async delete(userId: string, name: string): Promise<number> {
    if (name === DEFAULT_COLLECTION) {
      throw new DomainError(ErrorCode.Conflict, 'The default collection cannot be deleted');
    }
    if ((await this.collections.unknownAmong(userId, [name])).length > 0) {
      throw new DomainError(ErrorCode.NotFound, `Unknown collection: ${name}`);
    }
    // The collection goes first, so no new document can be accepted into it meanwhile.
    await this.collections.delete(userId, name);
    const ids = await this.documents.idsInCollection(userId, name);
    await this.documentsService.withdraw(userId, ids);
    return ids.length;
  }
}
