import { randomUUID } from 'node:crypto';
import { ChatContract, ChatStreamEvent, ErrorCode, MessageCreatedEvent } from '@conduit/contracts';
import { waitFor } from '@conduit/testing';
import { StaleStreamSweeper } from '../src/sessions/stale-stream.sweeper';
import { startTestChat, ChatTestService } from './support/chat-test-service';

const alice = { userId: `alice-${randomUUID()}` };
const LEASE_MS = 1_000;

describe('answer leases: only an answer whose replica is gone is swept', () => {
  let chat: ChatTestService;
  let sweeper: StaleStreamSweeper;
  const created: MessageCreatedEvent[] = [];

  beforeAll(async () => {
    chat = await startTestChat({ STALE_STREAM_AFTER_MS: String(LEASE_MS), PARTIAL_FLUSH_INTERVAL_MS: '100' });
    sweeper = chat.app.get(StaleStreamSweeper);
    chat.bus.subscribeEvent(ChatContract.messageCreated, (event) => void created.push(event));
    await chat.bus.connection.flush();
  });
  afterAll(() => chat.close());
  beforeEach(() => chat.openai.reset());

  async function startAnswer() {
    const session = await chat.bus.request(ChatContract.createSession, { title: 'slow' }, alice);
    const streamId = randomUUID();
    const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
    const ack = await chat.bus.request(
      ChatContract.startCompletion,
      { streamId, sessionId: session.id, content: 'Think hard first' },
      alice,
    );
    const events: ChatStreamEvent[] = [];
    const finished = (async () => {
      for await (const event of stream) events.push(event);
      return events;
    })();
    return { ack, finished };
  }

  const stored = (id: string) => chat.prisma.chatMessage.findUniqueOrThrow({ where: { id } });

  it('keeps a live answer that waits three leases for its first token, then saves and announces it', async () => {
    // Before leases, the sweeper took it for abandoned after one lease without a save: the answer the
    // user received was then never saved, and chat.message.created never published.
    chat.openai.enqueue({ kind: 'answer', tokens: ['Thought', ' through.'], tokenIntervalMs: 1_500 });
    const { ack, finished } = await startAnswer();
    let done = false;
    void finished.then(() => (done = true));
    // The sweeper runs over and over while the answer waits for its tokens, as often as it could run.
    await waitFor(
      async () => {
        await sweeper.sweep();
        return done;
      },
      'the slow answer to end',
      30_000,
    );
    expect((await finished).at(-1)).toMatchObject({ type: 'done', messageId: ack.assistantMessageId });
    expect(await stored(ack.assistantMessageId)).toMatchObject({
      status: 'complete',
      content: 'Thought through.',
      errorCode: null,
      leaseExpiresAt: null,
    });
    await waitFor(
      () => created.some((e) => e.messageId === ack.assistantMessageId),
      'chat.message.created for the answer',
    );
    expect(created.find((e) => e.messageId === ack.assistantMessageId)).toMatchObject({
      status: 'complete',
      content: 'Thought through.',
    });
  });

  it('restores an answer swept while its replica could not renew, and still announces it', async () => {
    chat.openai.enqueue({ kind: 'answer', tokens: ['Late', ' but', ' whole.'], tokenIntervalMs: 400 });
    const { ack, finished } = await startAnswer();
    const id = ack.assistantMessageId;
    // As if the replica had lost the database for longer than a lease: the lease runs out and is swept.
    await waitFor(async () => {
      await chat.prisma.chatMessage.updateMany({
        where: { id, status: 'streaming' },
        data: { leaseExpiresAt: new Date(Date.now() - 60_000) },
      });
      return (await sweeper.sweep()) > 0 || (await stored(id)).status !== 'streaming';
    }, 'the answer whose lease ran out to be swept');
    expect(await stored(id)).toMatchObject({ status: 'interrupted', errorCode: ErrorCode.StreamLost });
    expect((await finished).at(-1)).toMatchObject({ type: 'done', messageId: id });
    expect(await stored(id)).toMatchObject({
      status: 'complete',
      content: 'Late but whole.',
      errorCode: null,
    });
    await waitFor(() => created.some((e) => e.messageId === id), 'chat.message.created for the answer');
    expect(created.find((e) => e.messageId === id)).toMatchObject({ status: 'complete' });
  });

  it('sweeps answers whose lease ran out, keeping their text, and no answer whose lease holds', async () => {
    const session = await chat.bus.request(ChatContract.createSession, { title: 'rows' }, alice);
    const row = (content: string, leaseExpiresAt: Date, updatedAt: Date) => ({
      id: randomUUID(),
      sessionId: session.id,
      userId: alice.userId,
      role: 'assistant' as const,
      content,
      status: 'streaming' as const,
      leaseExpiresAt,
      updatedAt,
    });
    const hourAgo = new Date(Date.now() - 3_600_000);
    const abandoned = row('half an ans', new Date(Date.now() - 5_000), new Date());
    // Quiet for an hour, but its replica renews the lease: a model still thinking.
    const thinking = row('', new Date(Date.now() + 60_000), hourAgo);
    await chat.prisma.chatMessage.createMany({ data: [abandoned, thinking] });
    await waitFor(
      async () => (await stored(abandoned.id)).status !== 'streaming' || (await sweeper.sweep()) > 0,
      'the abandoned answer to be swept',
    );
    expect(await stored(abandoned.id)).toMatchObject({
      status: 'interrupted',
      errorCode: ErrorCode.StreamLost,
      content: 'half an ans',
    });
    expect(await stored(thinking.id)).toMatchObject({ status: 'streaming' });
  });
});
