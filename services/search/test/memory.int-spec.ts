import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus, envelopeToHeaders } from '@conduit/bus';
import {
  ChatContract,
  ErrorCode,
  MemoryContract,
  SEARCH_MEMORY_CONSUMER,
  SEARCH_MEMORY_FORGET_CONSUMER,
  SearchContract,
  type MessageCreatedEvent,
} from '@conduit/contracts';
import { migrateServiceSchema } from '@conduit/db';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import { startSearch } from '../src/app';
import { loadSearchConfig } from '../src/config';

const alice = { userId: `alice-${randomUUID()}` };
const bob = { userId: `bob-${randomUUID()}` };

function message(
  caller: { userId: string },
  content: string,
  overrides: Partial<MessageCreatedEvent> = {},
): MessageCreatedEvent {
  return {
    messageId: randomUUID(),
    sessionId: randomUUID(),
    parentId: null,
    userId: caller.userId,
    role: 'user',
    content,
    status: 'complete',
    model: null,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

describe('search remembers chat messages and recalls them (search.memory.*)', () => {
  let app: NestFastifyApplication | null = null;
  let bus: Bus;
  let dataDir: string;
  let drop: () => Promise<void>;
  let env: Record<string, string>;

  const announce = (event: MessageCreatedEvent) =>
    bus.publish(ChatContract.messageCreated, event, { userId: event.userId }, { messageId: event.messageId });
  const recall = (caller: { userId: string }, query: string, extra: object = {}) =>
    bus.request(MemoryContract.recall, { query, ...extra }, caller);
  const listed = async (caller: { userId: string }, sessionId?: string) =>
    (await bus.request(MemoryContract.list, sessionId ? { sessionId } : {}, caller)).items;

  /** Resolves once the durable consumer has handled (acknowledged) everything in its stream. */
  const drained = (consumer: string) =>
    waitFor(async () => {
      const manager = await bus.connection.jetstreamManager();
      const info = await manager.consumers.info(
        bus.streamName(ChatContract.sessionDeleted.durable!.stream),
        consumer,
      );
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, `${consumer} drained`);

  beforeAll(async () => {
    const namespace = isolatedNamespace('search-memory');
    const schema = namespace.schemaFor('search');
    ({ drop } = await migrateServiceSchema('search', testEnv().databaseUrl, schema));
    dataDir = await mkdtemp(join(tmpdir(), 'conduit-search-memory-'));
    env = {
      NATS_URL: testEnv().natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: testEnv().redisUrl,
      REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
      SEARCH_LANCEDB_PATH: join(dataDir, 'lancedb'),
      SEARCH_INDEX_RETRY_BASE_MS: '100',
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
    };
    bus = await Bus.connect({
      url: env.NATS_URL!,
      name: 'memory-test',
      subjectPrefix: env.NATS_SUBJECT_PREFIX!,
    });
    // Chat makes this stream; here the test plays chat.
    await bus.ensureEventStreams([ChatContract.messageCreated]);
  });
  afterAll(async () => {
    await app?.close();
    await bus?.close();
    await drop?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('remembers what was said while it was not running, once each, and only what is worth remembering', async () => {
    const session = randomUUID();
    const said = message(alice, 'Our wedding anniversary is on the ninth of May.', { sessionId: session });
    await announce(said);
    await announce(said); // a retry by chat after a lost acknowledgement
    await announce(
      message(alice, 'The answer was cut off', { sessionId: session, role: 'assistant', status: 'failed' }),
    );
    await announce(message(alice, 'You are a helpful assistant.', { sessionId: session, role: 'system' }));
    const answer = message(alice, 'Noted: the ninth of May.', { sessionId: session, role: 'assistant' });
    await announce(answer);

    app = await startSearch(loadSearchConfig(env));

    await waitFor(async () => (await listed(alice, session)).length >= 2, 'the two memorable messages');
    const items = await listed(alice, session);
    expect(items.map((i) => [i.id, i.role])).toEqual([
      [answer.messageId, 'assistant'],
      [said.messageId, 'user'],
    ]);
    await waitFor(
      async () => (await recall(alice, 'anniversary')).passages.some((p) => p.documentId === said.messageId),
      'the message indexed',
    );
    const { passages } = await recall(alice, 'anniversary');
    expect(passages.find((p) => p.documentId === said.messageId)).toMatchObject({
      collection: 'chat',
      sessionId: session,
      text: 'Our wedding anniversary is on the ninth of May.',
    });
  });

  it('leaves out the session being answered, and searches named collections as asked', async () => {
    const here = randomUUID();
    const elsewhere = message(alice, 'The boat is moored in Honfleur harbour.');
    await announce(message(alice, 'Where is the boat moored?', { sessionId: here }));
    await announce(elsewhere);
    await bus.request(SearchContract.createCollection, { name: 'sailing' }, alice);
    const [doc] = (
      await bus.request(
        SearchContract.submitDocuments,
        {
          batch: {
            inline: { documents: [{ text: 'Honfleur harbour tide tables for May.', collection: 'sailing' }] },
          },
        },
        alice,
      )
    ).documents;
    await waitFor(async () => {
      const { passages } = await recall(alice, 'Honfleur harbour', { collections: ['sailing'] });
      return (
        passages.some((p) => p.documentId === doc?.id) &&
        passages.some((p) => p.documentId === elsewhere.messageId)
      );
    }, 'the message and the document indexed');

    const excluded = await recall(alice, 'boat moored Honfleur', { excludeSessionId: here, topK: 20 });
    expect(excluded.passages.some((p) => p.sessionId === here)).toBe(false);
    expect(excluded.passages.some((p) => p.documentId === elsewhere.messageId)).toBe(true);
    // Without the collection named, documents stay out; without conversations, messages do.
    expect((await recall(alice, 'Honfleur harbour')).passages.some((p) => p.documentId === doc?.id)).toBe(
      false,
    );
    const onlyNotes = await recall(alice, 'Honfleur harbour', {
      conversations: false,
      collections: ['sailing', 'nope'],
    });
    expect(onlyNotes.passages.map((p) => [p.documentId, p.collection, p.sessionId])).toEqual([
      [doc?.id, 'sailing', null],
    ]);
  });

  it("never recalls, lists or forgets another user's memory", async () => {
    const secret = message(alice, 'My locker code is 4711.');
    await announce(secret);
    await waitFor(
      async () =>
        (await recall(alice, 'locker code')).passages.some((p) => p.documentId === secret.messageId),
      "alice's message indexed",
    );
    const bobs = await recall(bob, 'locker code 4711', { topK: 20 });
    expect(bobs.passages).toEqual([]);
    expect(await listed(bob)).toEqual([]);
    await expect(bus.request(MemoryContract.forget, { id: secret.messageId }, bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(bus.request(MemoryContract.forget, { sessionId: secret.sessionId }, bob)).resolves.toEqual({
      deleted: 0,
    });
    expect((await recall(alice, 'locker code')).passages.some((p) => p.documentId === secret.messageId)).toBe(
      true,
    );

    await expect(bus.request(MemoryContract.forget, { id: secret.messageId }, alice)).resolves.toEqual({
      deleted: 1,
    });
    expect((await recall(alice, 'locker code')).passages.some((p) => p.documentId === secret.messageId)).toBe(
      false,
    );
  });

  it('does not bring back a deleted session through a message of it that arrives after the deletion', async () => {
    const session = randomUUID();
    const early = message(alice, 'The spare key hangs behind the barometer.', { sessionId: session });
    await announce(early);
    await waitFor(async () => (await listed(alice, session)).length === 1, 'the early message remembered');
    const deleted = { sessionId: session, userId: alice.userId, deletedAt: new Date().toISOString() };
    await bus.publish(ChatContract.sessionDeleted, deleted, alice, { messageId: `deleted-${session}` });
    await waitFor(async () => (await listed(alice, session)).length === 0, 'the session forgotten');
    await drained(SEARCH_MEMORY_FORGET_CONSUMER);

    // Chat stored this one before the deletion, but it reaches search only now.
    const late = message(alice, 'The barometer also hides the garage remote.', { sessionId: session });
    await announce(late);
    // Another user's session with the same id is theirs: it is remembered as usual.
    const bobs = message(bob, 'The barometer in my hall is broken.', { sessionId: session });
    await announce(bobs);
    await drained(SEARCH_MEMORY_CONSUMER);

    expect(await listed(alice, session)).toEqual([]);
    expect((await listed(bob, session)).map((item) => item.id)).toEqual([bobs.messageId]);
    await waitFor(
      async () => (await recall(bob, 'barometer')).passages.some((p) => p.documentId === bobs.messageId),
      "bob's message indexed",
    );
    const recalled = await recall(alice, 'barometer garage remote', { topK: 20 });
    expect(recalled.passages.some((p) => p.sessionId === session)).toBe(false);
  });

  it('answers bad requests with typed validation errors and keeps serving', async () => {
    // Sent as raw bus messages, so the service's own validation answers, not the client's.
    const raw = async (subject: string, body: unknown) => {
      const reply = await bus.connection.request(
        `${env.NATS_SUBJECT_PREFIX}${subject}`,
        new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
        { timeout: 10_000, headers: envelopeToHeaders(alice) },
      );
      return JSON.parse(new TextDecoder().decode(reply.data)) as { error?: { code: string } };
    };
    for (const [subject, body] of [
      [MemoryContract.recall.subject, 'not json'],
      [MemoryContract.recall.subject, { query: '' }],
      [MemoryContract.recall.subject, { query: 'x', topK: 0 }],
      [MemoryContract.recall.subject, { query: 'x', collections: ['Not a name'] }],
      [MemoryContract.list.subject, { limit: 1_000 }],
      [MemoryContract.list.subject, { cursor: 'bogus' }],
      [MemoryContract.forget.subject, { id: 'not-a-uuid' }],
      [MemoryContract.forget.subject, {}],
    ] as const) {
      expect(await raw(subject, body)).toMatchObject({ error: { code: ErrorCode.ValidationFailed } });
    }
    await expect(recall(alice, 'anniversary')).resolves.toHaveProperty('passages');
  });
});
