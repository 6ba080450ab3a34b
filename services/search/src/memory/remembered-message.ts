import { MEMORY_COLLECTION, type MessageCreatedEvent } from '@conduit/contracts';
import { newDocumentOf } from '../documents/new-document';
import type { NewDocument } from '../documents/document.repository';

const SESSION_SOURCE_PREFIX = 'chat:';

/** The source a remembered message is stored with: the chat session it was said in. */
export const sessionSourceOf = (sessionId: string): string => `${SESSION_SOURCE_PREFIX}${sessionId}`;

/** The chat session a remembered message's source names, or null for a document's source. */
export function sessionIdOfSource(source: string | null): string | null {
  return source?.startsWith(SESSION_SOURCE_PREFIX) ? source.slice(SESSION_SOURCE_PREFIX.length) : null;
}

/** Whether a stored chat message is worth remembering: something a user or an answer said in full. */
export function isMemorable(event: MessageCreatedEvent): boolean {
  return (
    (event.role === 'user' || event.role === 'assistant') &&
    event.status === 'complete' &&
    event.content.trim().length > 0
  );
}

/**
 * A chat message as a document of the memory collection: its id is the message's (so a message
 * delivered twice is stored once), its source the session, its one tag the speaker's role.
 */
export function rememberedMessageOf(event: MessageCreatedEvent): NewDocument {
  return newDocumentOf(
    {
      text: event.content,
      source: sessionSourceOf(event.sessionId),
      tags: [event.role],
      date: event.createdAt,
      collection: MEMORY_COLLECTION,
    },
    'chat-message',
    event.messageId,
  );
}
