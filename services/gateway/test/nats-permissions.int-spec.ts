import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Bus, ObjectTransfer } from '@conduit/bus';
import {
  ChatContract,
  ChatStreamEvent,
  handledDefinitionsOf,
  HEALTH_UPLOADS_BUCKET,
  UsageContract,
} from '@conduit/contracts';
import { migrateServiceSchema } from '@conduit/db';
import {
  deployedNatsPasswords,
  isolatedNamespace,
  NatsServerProcess,
  readSse,
  startFakeOpenAI,
  startServiceProcess,
  testEnv,
  waitFor,
  type FakeOpenAIServer,
  type ServiceProcess,
} from '@conduit/testing';
import { registerUser, TEST_JWT_SECRET } from './support/gateway-test-app';
import { api, FAKE_OPENAI_KEY, json } from './support/platform';

/** The server configuration deployed by compose and the dev StatefulSet, with the users of auth.conf. */
const DEPLOYED_CONFIG = join(__dirname, '..', '..', '..', 'deploy', 'nats', 'nats.conf');
const { passwordOf, env: PASSWORD_ENV } = deployedNatsPasswords();

/** Reads a stream to its end; `events` shows the caller what has arrived so far. */
async function readEvents(response: Response, events: ChatStreamEvent[] = []): Promise<ChatStreamEvent[]> {
  for await (const message of readSse(response.body)) events.push(JSON.parse(message.data));
  return events;
}

/**
 * What a subscription on `nc` receives from what `act` publishes. `act` returns once the server has dealt
 * with its publishes (the violations are in its log); a round trip on `nc` then brings in anything the
 * server had routed to it before, so an empty list means nothing was delivered, not that it was late.
 */
async function received(nc: NatsConnection, subject: string, act: () => Promise<void>) {
  const messages: string[] = [];
  const sub = nc.subscribe(subject, { callback: (_err, msg) => messages.push(msg.subject) });
  await nc.flush();
  await act();
  await nc.flush();
  sub.unsubscribe();
  return messages;
}

describe('least-privilege bus: deploy/nats users and permissions on a real nats-server', () => {
  let nats: NatsServerProcess;
  const open: NatsConnection[] = [];
  const as = async (user: 'gateway' | 'chat') => {
    // As the bus connects: replies on the user's own inboxes.
    const nc = await connect({
      servers: nats.url,
      user,
      pass: passwordOf(user),
      name: `test-${user}`,
      inboxPrefix: `_INBOX_${user}`,
    });
    open.push(nc);
    return nc;
  };
  const violations = () =>
    nats
      .output()
      .split('\n')
      .filter((line) => line.includes('Violation'));

  async function expectPublishDenied(nc: NatsConnection, user: string, subject: string): Promise<void> {
    nc.publish(subject, new TextEncoder().encode('{}'));
    await nc.flush();
    await waitFor(
      () => nats.output().includes(`Publish Violation - User "${user}", Subject "${subject}"`),
      `publish violation for ${user} on ${subject}`,
    );
  }

  async function expectSubscribeDenied(nc: NatsConnection, subject: string, queue?: string): Promise<void> {
    const sub = nc.subscribe(subject, queue ? { queue } : {});
    const outcome = (async () => {
      for await (const _ of sub) return 'received a message';
      return 'ended without an error';
    })().catch((error: { code?: string; message?: string }) => `${error.code}: ${error.message}`);
    let result: string | undefined;
    void outcome.then((ended) => (result = ended));
    await waitFor(() => result !== undefined, `the server to refuse the subscription to ${subject}`);
    sub.unsubscribe();
    const expected = `Permissions Violation for Subscription to "${subject}"${queue ? ` using queue "${queue}"` : ''}`;
    expect(result).toBe(`PERMISSIONS_VIOLATION: '${expected}'`);
  }

  beforeAll(async () => {
    nats = await NatsServerProcess.start({
      configFile: DEPLOYED_CONFIG,
      env: PASSWORD_ENV,
    });
  });
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await nats?.stop();
  });

  it('health-data reads an upload the gateway put, in bounded pulls, with its own rights alone', async () => {
    const busAs = (user: 'gateway' | 'health-data') =>
      Bus.connect({ url: nats.url, name: `test-${user}`, user, password: passwordOf(user) });
    const [gateway, healthData] = [await busAs('gateway'), await busAs('health-data')];
    try {
      const upload = randomBytes(3 * 1024 * 1024 + 17);
      const name = await new ObjectTransfer(gateway, HEALTH_UPLOADS_BUCKET).put(upload);
      const uploads = new ObjectTransfer(healthData, HEALTH_UPLOADS_BUCKET);
      expect(Buffer.from(await uploads.read(name, upload.length)).equals(upload)).toBe(true);
      await uploads.delete(name);
      expect(violations().filter((line) => line.includes('HEALTH_UPLOADS'))).toEqual([]);
    } finally {
      await Promise.all([gateway.close(), healthData.close()]);
    }
  });

  it('refuses anonymous connections, unknown users and wrong passwords', async () => {
    for (const credentials of [
      {},
      { user: 'admin', pass: 'admin' },
      { user: 'chat', pass: 'wrong' },
      { user: 'gateway', pass: passwordOf('chat') },
    ]) {
      await expect(connect({ servers: nats.url, ...credentials, reconnect: false })).rejects.toMatchObject({
        code: 'AUTHORIZATION_VIOLATION',
      });
    }
  });

  describe('with the gateway, a chat replica and the usage service running as their own users', () => {
    const namespace = isolatedNamespace('natsperm');
    let openai: FakeOpenAIServer;
    let chat: ServiceProcess;
    let usage: ServiceProcess;
    let gateway: ServiceProcess;
    const drops: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      const infra = testEnv();
      openai = await startFakeOpenAI({ apiKey: FAKE_OPENAI_KEY, defaultAnswer: 'Least privilege works.' });
      for (const service of ['chat', 'usage', 'gateway'] as const) {
        drops.push(
          (await migrateServiceSchema(service, infra.databaseUrl, namespace.schemaFor(service))).drop,
        );
      }
      // Deployed as in compose and k8s: an empty subject prefix (auth.conf names the subjects as they are).
      const shared = { NATS_URL: nats.url, NATS_SUBJECT_PREFIX: '', DATABASE_URL: infra.databaseUrl };
      usage = await startServiceProcess('usage', {
        ...shared,
        NATS_USER: 'usage',
        NATS_PASSWORD: passwordOf('usage'),
        DATABASE_SCHEMA: namespace.schemaFor('usage'),
        SHUTDOWN_GRACE_MS: '5000',
      });
      chat = await startServiceProcess('chat', {
        ...shared,
        NATS_USER: 'chat',
        NATS_PASSWORD: passwordOf('chat'),
        DATABASE_SCHEMA: namespace.schemaFor('chat'),
        OPENAI_API_KEY: FAKE_OPENAI_KEY,
        OPENAI_BASE_URL: openai.url,
        CHAT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
        SHUTDOWN_GRACE_MS: '5000',
      });
      gateway = await startServiceProcess('gateway', {
        ...shared,
        NATS_USER: 'gateway',
        NATS_PASSWORD: passwordOf('gateway'),
        DATABASE_SCHEMA: namespace.schemaFor('gateway'),
        REDIS_URL: infra.redisUrl,
        REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
        JWT_SECRET: TEST_JWT_SECRET,
        PASSWORD_SCRYPT_N: '1024',
        SHUTDOWN_GRACE_MS: '5000',
      });
    });
    afterAll(async () => {
      await gateway?.stop();
      await chat?.stop();
      await usage?.stop();
      await openai?.close();
      for (const drop of drops) await drop();
    });

    it('stream, cancel, JSON answers and the durable event all work, with no permission violation', async () => {
      const before = violations().length;
      const { accessToken } = await registerUser(gateway.baseUrl);
      const call = api(gateway.baseUrl, accessToken);
      const session = await json(await call('/api/v1/chat/sessions', { body: { title: 'perm' } }));
      expect(session.id).toBeDefined();

      const first = await call(`/api/v1/chat/sessions/${session.id}/messages`, {
        body: { content: 'hello' },
      });
      const events = await readEvents(first);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });

      // Resuming reads the kept events (CHAT_COMPLETIONS, which chat created) with the gateway's own user.
      const replay = await readEvents(
        await call(`/api/v1/chat/streams/${first.headers.get('x-stream-id')}/events`),
      );
      expect(replay).toEqual(events);

      openai.enqueue({
        kind: 'answer',
        tokens: Array.from({ length: 200 }, (_, i) => ` c${i}`),
        tokenIntervalMs: 20,
      });
      const long = await call(`/api/v1/chat/sessions/${session.id}/messages`, { body: { content: 'long' } });
      const longEvents: ChatStreamEvent[] = [];
      const reading = readEvents(long, longEvents);
      await waitFor(() => longEvents.some((e) => e.type === 'delta'), 'the first token of the long answer');
      const cancel = await call(`/api/v1/chat/streams/${long.headers.get('x-stream-id')}`, {
        method: 'DELETE',
      });
      expect(cancel.status).toBe(204);
      expect((await reading).at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });

      const whole = await call(`/api/v1/chat/sessions/${session.id}/messages`, {
        body: { content: 'as JSON', stream: false },
      });
      expect(whole.status).toBe(200);
      expect((await call('/v1/models')).status).toBe(200);
      expect((await call(`/api/v1/chat/sessions/${session.id}`)).status).toBe(200);

      // chat.message.created went into CHAT_EVENTS, which chat created with its own user at start-up.
      // Three exchanges, two messages each (the last is published just after its stream ends).
      const jsm = await (await as('chat')).jetstreamManager();
      let stored = 0;
      await waitFor(
        async () => (stored = (await jsm.streams.info('CHAT_EVENTS')).state.messages) >= 6,
        () => `6 messages in CHAT_EVENTS, seen ${stored}`,
      );
      expect(stored).toBe(6);

      expect(violations().slice(before)).toEqual([]);
      expect(chat.output()).not.toMatch(/PERMISSIONS_VIOLATION|Permissions Violation/);
      expect(gateway.output()).not.toMatch(/PERMISSIONS_VIOLATION|Permissions Violation/);
    });

    it('every request subject in the chat contract is served by chat and callable by the gateway', async () => {
      // Drift guard: a subject added to the contract but not to auth.conf fails here, not in production.
      const gatewayNc = await as('gateway');
      const subjects = handledDefinitionsOf(ChatContract).flatMap((d) =>
        d.kind === 'request' ? [d.subject] : [],
      );
      expect(subjects.length).toBeGreaterThan(5);
      const answers = await Promise.all(
        subjects.map(async (subject) => {
          try {
            // Not JSON: chat answers with a validation error before any handler runs.
            const reply = await gatewayNc.request(subject, new TextEncoder().encode('not json'), {
              timeout: 3_000,
            });
            return [subject, JSON.parse(new TextDecoder().decode(reply.data)).error?.code] as const;
          } catch (error) {
            return [subject, String((error as { code?: string }).code ?? error)] as const;
          }
        }),
      );
      expect(Object.fromEntries(answers)).toEqual(
        Object.fromEntries(subjects.map((subject) => [subject, 'VALIDATION_FAILED'])),
      );
      expect(chat.output()).not.toMatch(/Permissions Violation/);
    });

    it('chat cannot publish requests, cancels, forged replies or to other services, nor manage streams', async () => {
      const chatNc = await as('chat');
      const gatewayNc = await as('gateway');
      // A request published by chat never reaches the chat replica serving it...
      const leaked = await received(gatewayNc, '_INBOX_gateway.forged.>', async () => {
        await expectPublishDenied(chatNc, 'chat', 'chat.session.create');
        // ...and chat cannot answer into the gateway's inboxes except as the reply to a request it got.
        await expectPublishDenied(chatNc, 'chat', '_INBOX_gateway.forged.reply');
      });
      expect(leaked).toEqual([]);
      for (const subject of [
        'voice.session.create',
        'gateway.anything',
        `chat.completion.cancel.${randomUUID()}`,
        '$JS.API.STREAM.DELETE.CHAT_EVENTS',
        '$JS.API.STREAM.PURGE.CHAT_EVENTS',
        '$JS.API.CONSUMER.CREATE.CHAT_EVENTS',
        '$JS.API.STREAM.MSG.GET.CHAT_EVENTS',
        '$JS.API.STREAM.INFO.VOICE_EVENTS',
      ]) {
        await expectPublishDenied(chatNc, 'chat', subject);
      }
    });

    it('chat cannot subscribe to other services, outside its queue groups, or to streams it does not read', async () => {
      const chatNc = await as('chat');
      await expectSubscribeDenied(chatNc, 'voice.session.create', 'voice');
      await expectSubscribeDenied(chatNc, 'voice.>');
      await expectSubscribeDenied(chatNc, '>');
      await expectSubscribeDenied(chatNc, 'chat.session.create');
      await expectSubscribeDenied(chatNc, 'chat.session.create', 'eavesdropper');
      await expectSubscribeDenied(chatNc, `chat.completion.cancel.${randomUUID()}`, 'chat');
      await expectSubscribeDenied(chatNc, `chat.completion.events.${randomUUID()}`);
      await expectSubscribeDenied(chatNc, 'chat.message.created');
      // Nor the replies sent to anyone else.
      await expectSubscribeDenied(chatNc, '_INBOX_gateway.>');
      await expectSubscribeDenied(chatNc, '_INBOX.>');
      await expect(
        (await chatNc.jetstreamManager()).consumers.add('CHAT_EVENTS', { durable_name: 'snoop' }),
      ).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    });

    it('every request subject in the usage contract is served by usage, callable by the gateway or by metering services', async () => {
      const forGateway = [
        UsageContract.summarizeUsage,
        UsageContract.listBudgets,
        UsageContract.setBudget,
        UsageContract.deleteBudget,
      ].map((d) => d.subject);
      const forMetering = [UsageContract.budgetLimits, UsageContract.spent].map((d) => d.subject);
      // Drift guard: every request subject of the contract is in one of the two lists.
      expect(
        handledDefinitionsOf(UsageContract)
          .flatMap((d) => (d.kind === 'request' ? [d.subject] : []))
          .sort(),
      ).toEqual([...forGateway, ...forMetering].sort());
      const ask = async (user: 'gateway' | 'chat', subject: string) => {
        try {
          const reply = await (
            await as(user)
          ).request(subject, new TextEncoder().encode('not json'), {
            timeout: 3_000,
          });
          return JSON.parse(new TextDecoder().decode(reply.data)).error?.code as string;
        } catch (error) {
          return String((error as { code?: string }).code ?? error);
        }
      };
      for (const subject of forGateway)
        expect([subject, await ask('gateway', subject)]).toEqual([subject, 'VALIDATION_FAILED']);
      for (const subject of forMetering)
        expect([subject, await ask('chat', subject)]).toEqual([subject, 'VALIDATION_FAILED']);
      // The gateway cannot read another user's spend or budgets as a metering service would, nor record usage.
      const gatewayNc = await as('gateway');
      for (const subject of [
        ...forMetering,
        UsageContract.usageRecorded.subject,
        UsageContract.budgetsChanged.subject,
      ]) {
        await expectPublishDenied(gatewayNc, 'gateway', subject);
      }
      expect(usage.output()).not.toMatch(/Permissions Violation/);
      expect(chat.output()).not.toMatch(/Permissions Violation/);
    });

    it('the gateway cannot serve chat requests, take cancels, forge stream events or use JetStream beyond reading kept streams and the search uploads bucket', async () => {
      const gatewayNc = await as('gateway');
      await expectSubscribeDenied(gatewayNc, 'chat.session.create', 'chat');
      await expectSubscribeDenied(gatewayNc, 'chat.completion.start', 'chat');
      await expectSubscribeDenied(gatewayNc, 'chat.session.*');
      await expectSubscribeDenied(gatewayNc, `chat.completion.cancel.${randomUUID()}`, 'cancel');
      await expectSubscribeDenied(gatewayNc, 'chat.message.created');
      await expectSubscribeDenied(gatewayNc, '_INBOX_chat.>');

      // A forged token never reaches the relay listening on that stream.
      const streamSubject = `chat.completion.events.${randomUUID()}`;
      const relay = await as('gateway');
      const forged = await received(relay, streamSubject, () =>
        expectPublishDenied(gatewayNc, 'gateway', streamSubject),
      );
      expect(forged).toEqual([]);
      await expectPublishDenied(gatewayNc, 'gateway', 'chat.message.created');
      // It may use the search uploads bucket (and so read account info), and no other stream.
      const manager = await gatewayNc.jetstreamManager();
      await expect(manager.streams.info('USAGE_RECORDS')).rejects.toMatchObject({
        code: 'PERMISSIONS_VIOLATION',
      });
      await expect(manager.streams.add({ name: 'FORGED', subjects: ['forged.>'] })).rejects.toMatchObject({
        code: 'PERMISSIONS_VIOLATION',
      });
      await expectPublishDenied(gatewayNc, 'gateway', 'search.document.accepted');
    });
  });
});
