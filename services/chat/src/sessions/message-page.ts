import { ChatMessage, MAX_MESSAGE_PAGE_BYTES, MessagePage } from '@conduit/contracts';
import { encodeKeysetCursor } from './keyset-cursor';

/**
 * One page from messages read newest first (up to `limit`, plus one more if there is one): as many as
 * fit in {@link MAX_MESSAGE_PAGE_BYTES}, at least one, turned oldest first, with the cursor to the
 * next older page.
 */
export function toMessagePage(newestFirst: readonly ChatMessage[], limit: number): MessagePage {
  const items: ChatMessage[] = [];
  let bytes = 0;
  for (const message of newestFirst.slice(0, limit)) {
    const size = Buffer.byteLength(JSON.stringify(message));
    if (items.length > 0 && bytes + size > MAX_MESSAGE_PAGE_BYTES) break;
    items.push(message);
    bytes += size;
  }
  const oldest = items.at(-1);
  const more = newestFirst.length > items.length;
  return {
    items: items.reverse(),
    nextCursor: more && oldest ? encodeKeysetCursor({ at: new Date(oldest.createdAt), id: oldest.id }) : null,
  };
}
