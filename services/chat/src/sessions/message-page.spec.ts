import { randomUUID } from 'node:crypto';
import { ChatMessage, MAX_MESSAGE_PAGE_BYTES } from '@conduit/contracts';
import { decodeKeysetCursor } from './keyset-cursor';
import { toMessagePage } from './message-page';

function message(index: number, chars: number): ChatMessage {
  return {
    id: randomUUID(),
    sessionId: randomUUID(),
    parentId: null,
    role: 'user',
    content: 'x'.repeat(chars),
    status: 'complete',
    model: null,
    usage: null,
    costUsd: null,
    errorCode: null,
    promptContext: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
  };
}

describe('toMessagePage', () => {
  it('turns newest-first rows into an oldest-first page, with a cursor when older ones remain', () => {
    const newestFirst = [message(3, 5), message(2, 5), message(1, 5)];
    const page = toMessagePage(newestFirst, 2);
    expect(page.items).toEqual([newestFirst[1], newestFirst[0]]);
    expect(decodeKeysetCursor(page.nextCursor ?? '')).toEqual({
      at: new Date(newestFirst[1]!.createdAt),
      id: newestFirst[1]!.id,
    });
    expect(toMessagePage(newestFirst.slice(0, 2), 2).nextCursor).toBeNull();
  });

  it('stops before the page would pass its byte budget, but always holds one message', () => {
    const big = Math.floor(MAX_MESSAGE_PAGE_BYTES / 3);
    const newestFirst = [message(4, big), message(3, big), message(2, big), message(1, big)];
    const page = toMessagePage(newestFirst, 50);
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    const huge = toMessagePage([message(1, MAX_MESSAGE_PAGE_BYTES * 2)], 50);
    expect(huge.items).toHaveLength(1);
    expect(huge.nextCursor).toBeNull();
  });
});
