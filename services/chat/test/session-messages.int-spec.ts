import { randomUUID } from 'node:crypto';
import { ChatContract, ErrorCode, MAX_MESSAGE_PAGE_BYTES } from '@conduit/contracts';
import { startTestChat, ChatTestService } from './support/chat-test-service';
import { storeConversation } from './support/stored-conversation';

const alice = { userId: `alice-${randomUUID()}` };
const bob = { userId: `bob-${randomUUID()}` };

describe('session messages, paged: any session opens, however long', () => {
  let chat: ChatTestService;

  beforeAll(async () => {
    chat = await startTestChat();
  });
  afterAll(() => chat.close());

  /** A stored conversation of `count` turns' messages, one branch, `chars` characters each. */
  async function storedConversation(count: number, chars: number) {
    const session = await chat.bus.request(ChatContract.createSession, { title: 'long' }, alice);
    const sentence = 'The quick brown fox jumps over the lazy dog, again and again. ';
    const contents = Array.from({ length: count }, (_, i) =>
      `#${i} ${sentence.repeat(Math.ceil(chars / sentence.length))}`.slice(0, chars),
    );
    const ids = await storeConversation(chat.prisma, session.id, alice.userId, contents);
    return { session, ids };
  }

  /** Every message from the session's first page back to the first message, oldest first. */
  async function readAll(sessionId: string, limit?: number) {
    const opened = await chat.bus.request(ChatContract.getSession, { sessionId }, alice);
    const pages = [opened.messages];
    let cursor = opened.olderMessagesCursor;
    while (cursor) {
      const page = await chat.bus.request(
        ChatContract.listMessages,
        { sessionId, cursor, ...(limit ? { limit } : {}) },
        alice,
      );
      pages.unshift(page.items);
      cursor = page.nextCursor;
    }
    return { opened, pages, messages: pages.flat() };
  }

  it('opens a session holding more than the bus carries in one message, and pages back to its start', async () => {
    // 30 messages of 60,000 characters: 1.8 MB, over NATS's 1 MiB. Before paging, opening it failed.
    const { session, ids } = await storedConversation(30, 60_000);
    const { opened, pages, messages } = await readAll(session.id);
    expect(opened.activeLeafId).toBe(ids.at(-1));
    expect(opened.messages.at(-1)?.id).toBe(ids.at(-1));
    expect(opened.messages.length).toBeLessThan(30);
    expect(opened.olderMessagesCursor).not.toBeNull();
    for (const page of pages) {
      expect(page.length).toBeGreaterThan(0);
      expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(MAX_MESSAGE_PAGE_BYTES + 2);
    }
    expect(messages.map((m) => m.id)).toEqual(ids);
  });

  it('pages by the limit asked for, oldest first within a page, without gaps or repeats', async () => {
    const { session, ids } = await storedConversation(5, 20);
    const first = await chat.bus.request(
      ChatContract.listMessages,
      { sessionId: session.id, limit: 2 },
      alice,
    );
    expect(first.items.map((m) => m.id)).toEqual(ids.slice(3));
    const { messages } = await readAll(session.id, 2);
    expect(messages.map((m) => m.id)).toEqual(ids);
    const all = await chat.bus.request(ChatContract.listMessages, { sessionId: session.id }, alice);
    expect(all).toMatchObject({ nextCursor: null });
    expect(all.items.map((m) => m.id)).toEqual(ids);
    const empty = await chat.bus.request(ChatContract.createSession, {}, alice);
    await expect(
      chat.bus.request(ChatContract.listMessages, { sessionId: empty.id }, alice),
    ).resolves.toEqual({ items: [], nextCursor: null });
  });

  it("keeps a session's messages to its owner, even with the owner's cursor", async () => {
    const { session } = await storedConversation(3, 20);
    const page = await chat.bus.request(
      ChatContract.listMessages,
      { sessionId: session.id, limit: 1 },
      alice,
    );
    expect(page.nextCursor).not.toBeNull();
    for (const request of [
      { sessionId: session.id },
      { sessionId: session.id, cursor: page.nextCursor! },
      { sessionId: randomUUID() },
    ]) {
      await expect(chat.bus.request(ChatContract.listMessages, request, bob)).rejects.toMatchObject({
        code: ErrorCode.NotFound,
      });
    }
    await expect(
      chat.bus.request(ChatContract.listMessages, { sessionId: session.id }, { userId: null }),
    ).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
  });

  it('answers bad cursors and limits with VALIDATION_FAILED and keeps serving', async () => {
    const { session } = await storedConversation(2, 20);
    const forged = Buffer.from(`${new Date().toISOString()}|not-a-uuid`).toString('base64url');
    for (const request of [
      { sessionId: session.id, cursor: 'garbage' },
      { sessionId: session.id, cursor: forged },
      { sessionId: session.id, limit: 0 },
      { sessionId: session.id, limit: 101 },
      { sessionId: 'not-a-uuid' },
    ]) {
      await expect(chat.bus.request(ChatContract.listMessages, request, alice)).rejects.toMatchObject({
        code: ErrorCode.ValidationFailed,
      });
    }
    const page = await chat.bus.request(ChatContract.listMessages, { sessionId: session.id }, alice);
    expect(page.items).toHaveLength(2);
  });
});
