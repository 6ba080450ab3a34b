import { createHash, randomUUID } from 'node:crypto';
import { DEFAULT_COLLECTION, type SubmittedDocument } from '@conduit/contracts';
import type { NewDocument } from './document.repository';

/** A document as stored from what the client gave; `contentType` says where its text came from. */
export function newDocumentOf(
  input: SubmittedDocument,
  contentType: string,
  id: string = randomUUID(),
): NewDocument {
  return {
    id,
    collection: input.collection ?? DEFAULT_COLLECTION,
    title: input.title ?? null,
    source: input.source ?? null,
    tags: [...new Set(input.tags ?? [])],
    date: input.date ?? null,
    text: input.text,
    contentType,
    contentHash: createHash('sha256').update(input.text).digest('hex'),
    idempotencyKey: input.idempotencyKey ?? null,
  };
}
