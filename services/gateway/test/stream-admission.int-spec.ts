import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { ChatContract, type WsServerFrame } from '@conduit/contracts';
import { isolatedNamespace, readSse, testEnv, waitFor, type OpenAIChatRequestBody } from '@conduit/testing';
import {
  admissionCall,
  parseAdmissionReply,
  STREAM_ADMISSION_SCRIPT,
} from '../src/streaming/stream-admission.script';
import { serializeOwner, streamOwnerKey } from '../src/streaming/stream-ownership';
import { requestLogKey, streamLeasesKey } from '../src/rate-limits/rate-limit-subject';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';
import { RedisServerProcess } from './support/redis-server-process';
import { RoundTripLog, type RoundTrip } from './support/round-trip-log';

const START = ChatContract.startCompletion.subject;
const RUN = ChatContract.runCompletion.subject;

describe('stream admission', () => {
  describe('the script', () => {
    const WINDOW_MS = 60_000;
    const LEASE_TTL_MS = 30_000;
    const OWNER_TTL_MS = 120_000;
    const OWNER = serializeOwner({ userId: 'user-1', stream: 'test.stream' });
    let redis: Redis;

    beforeAll(() => {
      redis = new Redis(testEnv().redisUrl, { keyPrefix: isolatedNamespace('admission').redisKeyPrefix });
    });
    afterAll(() => redis?.quit());

    /** One admission for a fresh stream id; the request log and slot sets are given as [key, limit]. */
    async function admit(o: { log?: [string, number]; sets: [string, number][] }) {
      const streamId = randomUUID();
      const counted = ([key, limit]: [string, number]) => ({ scope: 'user' as const, key, limit });
      const { keys, args } = admissionCall({
        streamId,
        owner: OWNER,
        ownerTtlMs: OWNER_TTL_MS,
        requests: o.log ? counted(o.log) : null,
        windowMs: WINDOW_MS,
        leaseTtlMs: LEASE_TTL_MS,
        streams: o.sets.map(counted),
      });
      return { streamId, ...parseAdmissionReply(await STREAM_ADMISSION_SCRIPT.run(redis, keys, args)) };
    }

    const subjectKeys = () => {
      const id = randomUUID();
      return { log: `log:${id}`, user: `user-slots:${id}`, key: `key-slots:${id}` };
    };

    it('counts the request, takes a slot in every set and records the owner for its TTL', async () => {
      const k = subjectKeys();
      const first = await admit({
        log: [k.log, 3],
        sets: [
          [k.user, 2],
          [k.key, 1],
        ],
      });
      expect(first.requests).toMatchObject({ admitted: true, count: 1 });
      expect(first.fullSet).toBe(0);
      expect(await redis.zscore(k.log, first.streamId)).not.toBeNull();
      for (const set of [k.user, k.key]) {
        expect(await redis.zscore(set, first.streamId)).not.toBeNull();
        expect(await redis.pttl(set)).toBeGreaterThan(LEASE_TTL_MS - 5_000);
      }
      expect(await redis.get(streamOwnerKey(first.streamId))).toBe(OWNER);
      const ownerTtl = await redis.pttl(streamOwnerKey(first.streamId));
      expect(ownerTtl).toBeGreaterThan(OWNER_TTL_MS - 5_000);
      expect(ownerTtl).toBeLessThanOrEqual(OWNER_TTL_MS);
    });

    it('counts a request refused for want of a slot, but takes no slot in any set and records no owner', async () => {
      const k = subjectKeys();
      await admit({
        log: [k.log, 5],
        sets: [
          [k.user, 2],
          [k.key, 1],
        ],
      });
      const refused = await admit({
        log: [k.log, 5],
        sets: [
          [k.user, 2],
          [k.key, 1],
        ],
      });
      expect(refused.fullSet).toBe(2);
      expect(refused.requests).toMatchObject({ admitted: true, count: 2 });
      expect(await redis.zcard(k.log)).toBe(2);
      expect(await redis.zcard(k.user)).toBe(1);
      expect(await redis.zscore(k.user, refused.streamId)).toBeNull();
      expect(await redis.exists(streamOwnerKey(refused.streamId))).toBe(0);
    });

    it('takes no slot and records nothing for a request over its limit', async () => {
      const k = subjectKeys();
      await admit({ log: [k.log, 1], sets: [[k.user, 5]] });
      const refused = await admit({ log: [k.log, 1], sets: [[k.user, 5]] });
      expect(refused.requests).toMatchObject({ admitted: false, count: 1 });
      expect(refused.fullSet).toBe(0);
      expect(await redis.zcard(k.log)).toBe(1);
      expect(await redis.zcard(k.user)).toBe(1);
      expect(await redis.exists(streamOwnerKey(refused.streamId))).toBe(0);
    });

    it('takes slots and records the owner without a request limit, and only the owner with no limit at all', async () => {
      const k = subjectKeys();
      const noLog = await admit({ sets: [[k.user, 1]] });
      expect(noLog.fullSet).toBe(0);
      expect(await redis.zscore(k.user, noLog.streamId)).not.toBeNull();
      expect(await redis.get(streamOwnerKey(noLog.streamId))).toBe(OWNER);
      expect((await admit({ sets: [[k.user, 1]] })).fullSet).toBe(1);

      const unlimited = await admit({ sets: [] });
      expect(unlimited.fullSet).toBe(0);
      expect(await redis.get(streamOwnerKey(unlimited.streamId))).toBe(OWNER);
    });
  });

  describe('in the gateway', () => {
    const REQUESTS_PER_MINUTE = 60;
    const ANY_OWNER_KEY = /^stream-owner:[0-9a-f-]{36}$/;
    let platform: TestPlatform;
    let base: string;
    let log: RoundTripLog;
    let redis: Redis;
    let user: RegisteredUser;

    const tokens = (count: number) => Array.from({ length: count }, (_, i) => ` t${i}`);
    const lastUserText = (body: OpenAIChatRequestBody) =>
      JSON.stringify([...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '');

    beforeAll(async () => {
      platform = await startPlatform({
        gateway: { RATE_LIMIT_REQUESTS_PER_MINUTE: REQUESTS_PER_MINUTE, RATE_LIMIT_CONCURRENT_STREAMS: 5 },
      });
      base = platform.gateway.baseUrl;
      platform.openai.setBehavior((body) =>
        lastUserText(body).includes('hold')
          ? { kind: 'answer', tokens: tokens(300), tokenIntervalMs: 50 }
          : undefined,
      );
      log = new RoundTripLog(platform.gateway.app);
      redis = new Redis(platform.gateway.config.REDIS_URL, {
        keyPrefix: platform.gateway.config.REDIS_KEY_PREFIX,
      });
      user = await registerUser(base);
      // Scripts load on first use; what is measured below is every use after that.
      await quickAnswer(user.accessToken, await newSession());
      await waitFor(
        () => log.redisCommands.some((c) => c.to === 'redis' && c.keys.length === 1),
        'the admission call',
      );
    });
    afterAll(async () => {
      await redis?.quit();
      await platform?.close();
    });

    async function newSession(): Promise<string> {
      return (await json(await api(base, user.accessToken)('/api/v1/chat/sessions', { body: {} }))).id;
    }

    async function createKey(limits: { requestsPerMinute?: number; concurrentStreams?: number }) {
      const created = await api(base, user.accessToken)('/api/v1/api-keys', { body: { name: 'k', limits } });
      expect(created.status).toBe(201);
      return (await created.json()) as { id: string; key: string };
    }

    const quickAnswer = (token: string, sessionId: string) =>
      api(base, token)(`/api/v1/chat/sessions/${sessionId}/messages`, {
        body: { content: 'quick', stream: false },
      });
    const completion = (token: string, body: Record<string, unknown>) =>
      api(base, token)('/v1/chat/completions', {
        body: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body },
      });
    const drain = async (response: Response) => {
      for await (const _ of readSse(response.body)) void _;
    };

    /** The admission's call: the stream's owner key, the request log, then the slot sets. */
    const admission = (ownerKey: string | RegExp, logKey: string, ...slotKeys: string[]) => ({
      to: 'redis',
      command: 'evalsha',
      keys: [typeof ownerKey === 'string' ? ownerKey : expect.stringMatching(ownerKey), logKey, ...slotKeys],
    });
    const isAdmission = (call: RoundTrip): call is RoundTrip & { to: 'redis' } =>
      call.to === 'redis' && (call.keys[0] ?? '').startsWith('stream-owner:');
    /** What went to Redis and NATS, leaving out API key authentication (the shared key cache). */
    const limiterTrips = () =>
      log.entries.filter((e) => !(e.to === 'redis' && (e.keys[0] ?? '').startsWith('api-key:')));

    it('makes one Redis call, before the completion request goes out, to start a stream on every transport', async () => {
      const userLog = requestLogKey(user.userId, null);
      const userSlots = streamLeasesKey(user.userId, 'user');
      const release = { to: 'redis', command: 'evalsha', keys: [userSlots] };
      const starts: [transport: string, subject: string, start: (sessionId: string) => Promise<void>][] = [
        [
          'SSE',
          START,
          async (sessionId) => {
            const response = await api(base, user.accessToken)(
              `/api/v1/chat/sessions/${sessionId}/messages`,
              {
                body: { content: 'quick' },
              },
            );
            expect(response.headers.get('ratelimit-limit')).toBe(String(REQUESTS_PER_MINUTE));
            await drain(response);
          },
        ],
        [
          'JSON',
          START,
          async (sessionId) => {
            const response = await quickAnswer(user.accessToken, sessionId);
            expect(response.status).toBe(200);
            expect(response.headers.get('ratelimit-limit')).toBe(String(REQUESTS_PER_MINUTE));
          },
        ],
        [
          '/v1 streamed',
          RUN,
          async () => {
            const response = await completion(user.accessToken, { stream: true });
            expect(response.headers.get('ratelimit-limit')).toBe(String(REQUESTS_PER_MINUTE));
            await drain(response);
          },
        ],
        [
          '/v1',
          RUN,
          async () => {
            const response = await completion(user.accessToken, {});
            expect(response.status).toBe(200);
            expect(response.headers.get('ratelimit-limit')).toBe(String(REQUESTS_PER_MINUTE));
          },
        ],
      ];
      for (const [transport, subject, start] of starts) {
        const sessionId = await newSession();
        log.clear();
        await start(sessionId);
        await waitFor(() => log.redisCommands.length >= 2, 'two Redis calls');
        expect({ transport, before: log.redisBefore(subject) }).toEqual({
          transport,
          before: [admission(ANY_OWNER_KEY, userLog, userSlots)],
        });
        expect({ transport, all: log.redisCommands }).toEqual({
          transport,
          all: [admission(ANY_OWNER_KEY, userLog, userSlots), release],
        });
      }

      // The upgrade is a request of its own; a chat.start frame is one call too.
      const sessionId = await newSession();
      const socket = await openSocket(base, user.accessToken);
      log.clear();
      socket.send({ type: 'chat.start', id: 'a', sessionId, content: 'quick' });
      const started = await socket.next((f) => f.type === 'chat.started');
      await socket.next((f) => f.type === 'chat.event' && f.event.type === 'done');
      socket.close();
      await waitFor(() => log.redisCommands.length >= 2, 'two Redis calls');
      const streamId = started.type === 'chat.started' ? started.ack.streamId : '';
      const admitted = admission(streamOwnerKey(streamId), userLog, userSlots);
      expect(log.redisBefore(START)).toEqual([admitted]);
      expect(log.redisCommands).toEqual([admitted, release]);
    });

    it('counts any other request with its one request-log call', async () => {
      log.clear();
      expect((await api(base, user.accessToken)('/api/v1/me')).status).toBe(200);
      expect(log.entries).toEqual([
        { to: 'redis', command: 'evalsha', keys: [requestLogKey(user.userId, null)] },
      ]);
    });

    it('refuses a stream start over the request limit with 429 and Retry-After, taking no slot and starting nothing', async () => {
      const { id, key } = await createKey({ requestsPerMinute: 2 });
      const sessionId = await newSession();
      for (let i = 0; i < 2; i++) expect((await quickAnswer(key, sessionId)).status).toBe(200);
      log.clear();
      const refused = await quickAnswer(key, sessionId);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(await refused.json()).toMatchObject({
        status: 429,
        code: 'RATE_LIMITED',
        rateLimit: 'requests',
        scope: 'api-key',
      });
      const keyLog = requestLogKey(user.userId, id);
      const slots = [streamLeasesKey(user.userId, 'user'), streamLeasesKey(user.userId, 'api-key', id)];
      expect(limiterTrips()).toEqual([admission(ANY_OWNER_KEY, keyLog, ...slots)]);
      const ownerKey = log.entries.filter(isAdmission)[0]!.keys[0]!;
      const streamId = ownerKey.slice('stream-owner:'.length);
      expect(await redis.exists(ownerKey)).toBe(0);
      for (const set of slots) expect(await redis.zscore(set, streamId)).toBeNull();

      const v1 = await completion(key, { stream: true });
      expect(v1.status).toBe(429);
      expect(Number(v1.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await json(v1)).error).toMatchObject({ type: 'rate_limit_exceeded', code: 'rate_limited' });
    });

    it('counts a stream start refused for want of a slot as a request, and records no owner for it', async () => {
      const { id, key } = await createKey({ requestsPerMinute: 5, concurrentStreams: 1 });
      const controller = new AbortController();
      const held = await fetch(`${base}/api/v1/chat/sessions/${await newSession()}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'hold on' }),
        signal: controller.signal,
      });
      try {
        expect(held.status).toBe(200);
        expect(held.headers.get('ratelimit-remaining')).toBe('4');
        const sessionId = await newSession();
        log.clear();
        const refused = await quickAnswer(key, sessionId);
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(refused.headers.get('ratelimit-remaining')).toBe('3');
        expect(await refused.json()).toMatchObject({ rateLimit: 'concurrent-streams', scope: 'api-key' });
        const admissions = log.entries.filter(isAdmission);
        expect(admissions).toHaveLength(1);
        expect(log.entries.some((e) => e.to === 'nats')).toBe(false);
        expect(await redis.exists(admissions[0]!.keys[0]!)).toBe(0);
        expect(await redis.zcard(streamLeasesKey(user.userId, 'api-key', id))).toBe(1);

        const me = await api(base, key)('/api/v1/me');
        expect(me.headers.get('ratelimit-remaining')).toBe('2');
      } finally {
        controller.abort();
      }
    });

    it('counts a stream start with invalid input as a request, and refuses it with 429 once over the limit', async () => {
      const { id, key } = await createKey({ requestsPerMinute: 2 });
      const invalid = () => api(base, key)('/v1/chat/completions', { body: { model: 'openai/gpt-4o-mini' } });
      log.clear();
      const first = await invalid();
      expect(first.status).toBe(400);
      expect(first.headers.get('ratelimit-remaining')).toBe('1');
      expect(limiterTrips()).toEqual([
        { to: 'redis', command: 'evalsha', keys: [requestLogKey(user.userId, id)] },
      ]);
      expect((await invalid()).status).toBe(400);
      const over = await invalid();
      expect(over.status).toBe(429);
      expect(over.headers.get('ratelimit-remaining')).toBe('0');
      expect((await json(over)).error).toMatchObject({ code: 'rate_limited' });
    });

    it('records the owner under the key and TTL that resume reads', async () => {
      const response = await api(base, user.accessToken)(
        `/api/v1/chat/sessions/${await newSession()}/messages`,
        { body: { content: 'quick' } },
      );
      const streamId = response.headers.get('x-stream-id') ?? '';
      await drain(response);
      expect(JSON.parse((await redis.get(`stream-owner:${streamId}`)) ?? '{}')).toEqual({
        userId: user.userId,
        stream: 'chat.completion',
      });
      const ttl = await redis.pttl(`stream-owner:${streamId}`);
      expect(ttl).toBeGreaterThan(platform.gateway.config.STREAM_RETENTION_MS - 10_000);
      expect(ttl).toBeLessThanOrEqual(platform.gateway.config.STREAM_RETENTION_MS);

      const resumed = await api(base, user.accessToken)(`/api/v1/chat/streams/${streamId}/events`);
      expect(resumed.status).toBe(200);
      const events: { type: string }[] = [];
      for await (const message of readSse(resumed.body)) events.push(JSON.parse(message.data));
      expect(events.at(-1)).toMatchObject({ type: 'done' });
      const stranger = await registerUser(base);
      const refused = await api(base, stranger.accessToken)(`/api/v1/chat/streams/${streamId}/events`);
      expect(refused.status).toBe(404);
    });
  });

  describe('when Redis is slow', () => {
    let slowRedis: RedisServerProcess;
    let platform: TestPlatform;

    beforeAll(async () => {
      slowRedis = await RedisServerProcess.start();
      platform = await startPlatform({
        gateway: {
          REDIS_URL: slowRedis.url,
          // The two sessions made first use the request limit up, and the two answers are over the stream limit.
          RATE_LIMIT_REQUESTS_PER_MINUTE: 2,
          RATE_LIMIT_CONCURRENT_STREAMS: 1,
        },
        // Only the gateway's Redis is slow.
        chatEnv: { REDIS_URL: testEnv().redisUrl },
      });
    });
    afterAll(async () => {
      await platform?.close();
      await slowRedis?.halt();
    });

    it("starts streams unlimited, after at most the limiters' timeout", async () => {
      const base = platform.gateway.baseUrl;
      const user = await registerUser(base);
      const sessions = await Promise.all(
        [0, 1].map(
          async () =>
            (await json(await api(base, user.accessToken)('/api/v1/chat/sessions', { body: {} }))).id,
        ),
      );
      const admin = new Redis(slowRedis.url);
      const probe = new Redis(slowRedis.url);
      try {
        await probe.ping();
        await admin.call('CLIENT', 'PAUSE', '8000', 'ALL');
        // Answered only once the pause is over: until then, Redis is still not answering anyone.
        let pauseOver = false;
        const pauseEnds = probe.ping().then(() => (pauseOver = true));
        const answers = await Promise.all(
          sessions.map((id: string) =>
            api(base, user.accessToken)(`/api/v1/chat/sessions/${id}/messages`, {
              body: { content: 'quick', stream: false },
            }),
          ),
        );
        expect(answers.map((a) => a.status)).toEqual([200, 200]);
        expect(answers.map((a) => a.headers.get('ratelimit-limit'))).toEqual([null, null]);
        expect(pauseOver).toBe(false);
        await pauseEnds;
      } finally {
        admin.disconnect();
        probe.disconnect();
      }
    });
  });
});

/** A WebSocket client that lets a test await the next frame matching a predicate. */
async function openSocket(baseUrl: string, token: string) {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const frames: WsServerFrame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await waitFor(() => frames.some((f) => f.type === 'ready'), 'the ready frame');
  return {
    send: (frame: unknown) => ws.send(JSON.stringify(frame)),
    next: async (match: (frame: WsServerFrame) => boolean): Promise<WsServerFrame> => {
      await waitFor(() => frames.some(match), 'the expected frame');
      const index = frames.findIndex(match);
      return frames.splice(index, 1)[0]!;
    },
    close: () => ws.close(),
  };
}
