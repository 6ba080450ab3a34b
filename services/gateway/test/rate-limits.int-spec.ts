import WebSocket from 'ws';
import type { ChatStreamEvent, WsServerFrame } from '@conduit/contracts';
import { readSse, startServiceProcess, waitFor, type OpenAIChatRequestBody } from '@conduit/testing';
import type { GatewayConfig } from '../src/config';
import {
  registerUser,
  startTestGateway,
  startTestGatewayReplica,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { startPlatform, type TestPlatform } from './support/platform';
import { RedisServerProcess } from './support/redis-server-process';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function send(
  baseUrl: string,
  path: string,
  token?: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (the docs page)
  }
  return { status: response.status, headers: response.headers, body };
}

async function createKey(
  baseUrl: string,
  token: string,
  limits?: { requestsPerMinute?: number; concurrentStreams?: number },
): Promise<{ id: string; key: string }> {
  const created = await send(baseUrl, '/api/v1/api-keys', token, {
    body: { name: 'rate limited', ...(limits ? { limits } : {}) },
  });
  if (created.status !== 201)
    throw new Error(`key creation answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body;
}

/** Only where time itself must pass on Redis's clock, which the limits count by and no test can set. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectRefusedAsProblem(
  answer: Answer,
  scope: 'user' | 'api-key',
  rateLimit: 'requests' | 'concurrent-streams',
) {
  expect(answer.status).toBe(429);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', scope, rateLimit });
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

describe('rate limits', () => {
  describe('requests per minute, on two gateway replicas sharing Redis', () => {
    const WINDOW_MS = 5_000;
    const USER_LIMIT = 20;
    let a: TestGateway;
    let b: TestGateway;

    beforeAll(async () => {
      const limits: Partial<GatewayConfig> = {
        RATE_LIMIT_WINDOW_MS: WINDOW_MS,
        RATE_LIMIT_REQUESTS_PER_MINUTE: USER_LIMIT,
        RATE_LIMIT_CONCURRENT_STREAMS: 20,
      };
      a = await startTestGateway(limits);
      b = await startTestGatewayReplica(a, limits);
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('admits exactly the limit across both replicas, refuses the rest with Retry-After, and admits again after the window', async () => {
      const user = await registerUser(a.baseUrl);
      const { key } = await createKey(a.baseUrl, user.accessToken, { requestsPerMinute: 5 });

      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => send((i % 2 ? b : a).baseUrl, '/api/v1/me', key)),
      );
      const admitted = answers.filter((r) => r.status === 200);
      const refused = answers.filter((r) => r.status !== 200);
      expect(admitted).toHaveLength(5);
      expect(refused).toHaveLength(7);
      expect(admitted.map((r) => r.headers.get('ratelimit-remaining')).sort()).toEqual([
        '0',
        '1',
        '2',
        '3',
        '4',
      ]);
      for (const r of admitted) {
        expect(r.headers.get('ratelimit-limit')).toBe('5');
        expect(r.headers.get('ratelimit-policy')).toBe('5;w=5');
        expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
        expect(Number(r.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(5);
      }
      for (const r of refused) {
        expectRefusedAsProblem(r, 'api-key', 'requests');
        expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(5);
        expect(r.headers.get('ratelimit-remaining')).toBe('0');
      }
      expect(refused[0]!.body.detail).toMatch(/5 requests per 5 s for this API key/);

      // The sixth request, made one at a time, is refused by either replica.
      expect((await send(a.baseUrl, '/api/v1/me', key)).status).toBe(429);
      const last = await send(b.baseUrl, '/api/v1/me', key);
      expect(last.status).toBe(429);

      // Retry-After is the promise under test: once it has passed, a request is admitted again. (How many
      // of the burst have left the window by then depends on how far apart a busy machine let them land.)
      await sleep(Number(last.headers.get('retry-after')) * 1000);
      const again = await send(b.baseUrl, '/api/v1/me', key);
      expect(again.status).toBe(200);
      expect(Number(again.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(4);
    });

    it('counts requests made with an API key apart from those of its user', async () => {
      const user = await registerUser(a.baseUrl);
      const spent = await createKey(a.baseUrl, user.accessToken, { requestsPerMinute: 3 });
      const fresh = await createKey(a.baseUrl, user.accessToken, { requestsPerMinute: 3 });

      for (let i = 0; i < 3; i++) expect((await send(a.baseUrl, '/api/v1/me', spent.key)).status).toBe(200);
      expectRefusedAsProblem(await send(b.baseUrl, '/api/v1/me', spent.key), 'api-key', 'requests');

      // The key's limit is spent; the user's own (20, two of them used to make the keys) is untouched.
      const viaToken = await send(b.baseUrl, '/api/v1/me', user.accessToken);
      expect(viaToken.status).toBe(200);
      expect(viaToken.headers.get('ratelimit-limit')).toBe(String(USER_LIMIT));
      const left = Number(viaToken.headers.get('ratelimit-remaining'));
      expect(left).toBe(USER_LIMIT - 3);
      for (let i = 0; i < left; i++) {
        expect((await send(i % 2 ? a.baseUrl : b.baseUrl, '/api/v1/me', user.accessToken)).status).toBe(200);
      }
      expectRefusedAsProblem(await send(a.baseUrl, '/api/v1/me', user.accessToken), 'user', 'requests');

      // With the user's limit spent too, an unused key of theirs still has its own.
      const viaFreshKey = await send(a.baseUrl, '/api/v1/me', fresh.key);
      expect(viaFreshKey.status).toBe(200);
      expect(viaFreshKey.headers.get('ratelimit-remaining')).toBe('2');
    });

    it('answers in OpenAI error shape under /v1', async () => {
      const user = await registerUser(a.baseUrl);
      const { key } = await createKey(a.baseUrl, user.accessToken, { requestsPerMinute: 1 });
      expect((await send(a.baseUrl, '/api/v1/me', key)).status).toBe(200);
      const refused = await send(b.baseUrl, '/v1/models', key);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.body).toEqual({
        error: {
          message: expect.stringMatching(/^Rate limit exceeded/),
          type: 'rate_limit_exceeded',
          param: null,
          code: 'rate_limited',
        },
      });
    });

    it('counts malformed requests too, before validation', async () => {
      const user = await registerUser(a.baseUrl);
      const { key } = await createKey(a.baseUrl, user.accessToken, { requestsPerMinute: 2 });
      const malformed = await send(a.baseUrl, '/api/v1/api-keys', key, { body: { name: '' } });
      expect(malformed.status).toBe(400);
      expect(malformed.headers.get('ratelimit-remaining')).toBe('1');
      expect((await send(b.baseUrl, '/api/v1/api-keys', key, { body: { nom: 'x' } })).status).toBe(400);
      expect((await send(a.baseUrl, '/api/v1/api-keys', key, { body: { name: 'ok' } })).status).toBe(429);
    });

    it('leaves health probes, docs and the OpenAPI document alone', async () => {
      const user = await registerUser(a.baseUrl);
      const { key } = await createKey(a.baseUrl, user.accessToken, { requestsPerMinute: 1 });
      expect((await send(a.baseUrl, '/api/v1/me', key)).status).toBe(200);
      expect((await send(a.baseUrl, '/api/v1/me', key)).status).toBe(429);
      for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
        for (let i = 0; i < 3; i++) {
          const answer = await send(a.baseUrl, path, key);
          expect(answer.status).toBe(200);
          expect(answer.headers.get('ratelimit-limit')).toBeNull();
        }
      }
    });

    it('documents the 429 on authenticated routes and the key limits in the OpenAPI document', async () => {
      const { body: document } = await send(a.baseUrl, '/openapi.json');
      expect(document.paths['/api/v1/me'].get.responses['429']).toMatchObject({
        headers: { 'Retry-After': expect.any(Object) },
      });
      expect(document.paths['/api/v1/auth/login'].post.responses['429']).toBeUndefined();
      const createKey = document.paths['/api/v1/api-keys'].post;
      expect(createKey.requestBody.content['application/json'].schema.properties.limits).toMatchObject({
        type: 'object',
        additionalProperties: false,
        properties: {
          requestsPerMinute: { type: 'integer', minimum: 1 },
          concurrentStreams: { type: 'integer', minimum: 1 },
        },
      });
    });

    it('counts WebSocket upgrades, refusing one over the limit with 429 and Retry-After', async () => {
      const user = await registerUser(a.baseUrl);
      const { key } = await createKey(a.baseUrl, user.accessToken, { requestsPerMinute: 2 });
      const upgrade = (baseUrl: string) =>
        new Promise<{ status: number; retryAfter?: string; socket?: WebSocket }>((resolve, reject) => {
          const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws`, {
            headers: { authorization: `Bearer ${key}` },
          });
          ws.once('open', () => resolve({ status: 101, socket: ws }));
          ws.once('unexpected-response', (_req, res) =>
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string }),
          );
          ws.once('error', reject);
        });
      const first = await upgrade(a.baseUrl);
      const second = await upgrade(b.baseUrl);
      const third = await upgrade(a.baseUrl);
      expect([first.status, second.status, third.status]).toEqual([101, 101, 429]);
      expect(Number(third.retryAfter)).toBeGreaterThanOrEqual(1);
      first.socket?.close();
      second.socket?.close();
    });

    describe("an API key's own limits", () => {
      it('are stored with the key, shown when it is made and listed, null where the default applies', async () => {
        const user = await registerUser(a.baseUrl);
        const limited = await send(a.baseUrl, '/api/v1/api-keys', user.accessToken, {
          body: { name: 'ci', limits: { requestsPerMinute: 7, concurrentStreams: 2 } },
        });
        expect(limited.status).toBe(201);
        expect(limited.body.limits).toEqual({ requestsPerMinute: 7, concurrentStreams: 2 });
        const partial = await send(a.baseUrl, '/api/v1/api-keys', user.accessToken, {
          body: { name: 'batch', limits: { concurrentStreams: 20 } },
        });
        expect(partial.body.limits).toEqual({ requestsPerMinute: null, concurrentStreams: 20 });
        const listed = await send(a.baseUrl, '/api/v1/api-keys', user.accessToken);
        expect(
          Object.fromEntries(
            listed.body.data.map((k: { name: string; limits: unknown }) => [k.name, k.limits]),
          ),
        ).toEqual({
          ci: { requestsPerMinute: 7, concurrentStreams: 2 },
          batch: { requestsPerMinute: null, concurrentStreams: 20 },
        });
        const viaKey = await send(b.baseUrl, '/api/v1/me', limited.body.key);
        expect(viaKey.headers.get('ratelimit-limit')).toBe('7');
      });

      it.each([
        [{ requestsPerMinute: 0 }, 'limits.requestsPerMinute'],
        [{ requestsPerMinute: -5 }, 'limits.requestsPerMinute'],
        [{ requestsPerMinute: 1.5 }, 'limits.requestsPerMinute'],
        [{ requestsPerMinute: '10' }, 'limits.requestsPerMinute'],
        [{ requestsPerMinute: USER_LIMIT + 1 }, 'limits.requestsPerMinute'],
        [{ requestsPerMinute: 1_000_000 }, 'limits.requestsPerMinute'],
        [{ concurrentStreams: 0 }, 'limits.concurrentStreams'],
        [{ concurrentStreams: 21 }, 'limits.concurrentStreams'],
        [{ concurrentStreams: null }, 'limits.concurrentStreams'],
        [{ burst: 3 }, 'limits.burst'],
        ['fast', 'limits'],
      ])('refuse %j with 400 naming %s', async (limits, path) => {
        const user = await registerUser(a.baseUrl);
        const answer = await send(a.baseUrl, '/api/v1/api-keys', user.accessToken, {
          body: { name: 'bad', limits },
        });
        expect(answer.status).toBe(400);
        expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(answer.body.code).toBe('VALIDATION_FAILED');
        expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
        expect((await send(a.baseUrl, '/api/v1/api-keys', user.accessToken)).body.data).toEqual([]);
      });
    });
  });

  describe('concurrent streams', () => {
    const LEASE_TTL_MS = 2_000;
    let platform: TestPlatform;
    let base: string;
    const running: HeldStream[] = [];

    interface HeldStream {
      streamId: string;
      /** The client goes away. */
      abort(): void;
      /** Stops the generation and reads the stream to its end. */
      stop(): Promise<ChatStreamEvent | undefined>;
    }

    const lastUserText = (body: OpenAIChatRequestBody) => {
      const last = [...body.messages].reverse().find((m) => m.role === 'user');
      return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
    };
    const tokens = (count: number) => Array.from({ length: count }, (_, i) => ` t${i}`);

    async function newSession(token: string, baseUrl = base): Promise<string> {
      const created = await send(baseUrl, '/api/v1/chat/sessions', token, { body: {} });
      expect(created.status).toBe(201);
      return created.body.id;
    }

    /** An SSE answer that runs for 15 s unless stopped, read up to its first event. */
    async function holdSse(token: string, baseUrl = base): Promise<HeldStream> {
      const sessionId = await newSession(token, baseUrl);
      const controller = new AbortController();
      const response = await fetch(`${baseUrl}/api/v1/chat/sessions/${sessionId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'hold on' }),
        signal: controller.signal,
      });
      if (response.status !== 200)
        throw new Error(`hold answered ${response.status}: ${await response.text()}`);
      expect(response.headers.get('ratelimit-limit')).toBeTruthy(); // on SSE responses too
      const events = readSse(response.body);
      const first = await events.next();
      expect(first.done).toBe(false);
      const streamId = response.headers.get('x-stream-id') ?? '';
      let ended = false;
      const held: HeldStream = {
        streamId,
        abort: () => {
          ended = true;
          controller.abort();
        },
        stop: async () => {
          if (ended) return undefined;
          ended = true;
          await send(baseUrl, `/api/v1/chat/streams/${streamId}`, token, { method: 'DELETE' });
          let last: ChatStreamEvent | undefined;
          for await (const message of events) last = JSON.parse(message.data);
          return last;
        },
      };
      running.push(held);
      return held;
    }

    const quickAnswer = async (token: string) =>
      send(base, `/api/v1/chat/sessions/${await newSession(token)}/messages`, token, {
        body: { content: 'quick', stream: false },
      });

    beforeAll(async () => {
      platform = await startPlatform({
        gateway: { RATE_LIMIT_CONCURRENT_STREAMS: 2, RATE_LIMIT_STREAM_LEASE_TTL_MS: LEASE_TTL_MS },
      });
      base = platform.gateway.baseUrl;
      platform.openai.setBehavior((body) => {
        const text = lastUserText(body);
        if (text.includes('hold')) return { kind: 'answer', tokens: tokens(300), tokenIntervalMs: 50 };
        if (text.includes('linger')) return { kind: 'answer', tokens: tokens(150), tokenIntervalMs: 100 };
        return undefined;
      });
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((s) => s.stop().catch(() => undefined)));
    });
    afterAll(() => platform?.close());

    it("refuses a stream over the user's limit on every transport, counts live streams past the lease TTL, and frees the slot when one ends", async () => {
      const user = await registerUser(base);
      const first = await holdSse(user.accessToken);
      await holdSse(user.accessToken);
      // Time past the lease TTL (leases expire on Redis's clock): the live streams' leases are renewed.
      await sleep(LEASE_TTL_MS * 1.5);

      const sse = await send(
        base,
        `/api/v1/chat/sessions/${await newSession(user.accessToken)}/messages`,
        user.accessToken,
        {
          body: { content: 'one more' },
        },
      );
      expectRefusedAsProblem(sse, 'user', 'concurrent-streams');
      expect(sse.headers.get('retry-after')).toBe('1');
      expect(sse.body.detail).toBe('Too many concurrent streams: at most 2 may run at once for this account');

      for (const stream of [true, false]) {
        const v1 = await send(base, '/v1/chat/completions', user.accessToken, {
          body: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream },
        });
        expect(v1.status).toBe(429);
        expect(v1.headers.get('retry-after')).toBe('1');
        expect(v1.body.error).toMatchObject({ type: 'rate_limit_exceeded', code: 'rate_limited' });
      }

      const socket = await TestSocket.open(`${base.replace('http', 'ws')}/ws`, user.accessToken);
      socket.send({
        type: 'chat.start',
        id: 'third',
        sessionId: await newSession(user.accessToken),
        content: 'hi',
      });
      const refusal = await socket.next((f) => f.type === 'error');
      expect(refusal).toMatchObject({ type: 'error', id: 'third', error: { code: 'RATE_LIMITED' } });
      socket.close();

      expect(await first.stop()).toMatchObject({ type: 'done', finishReason: 'cancelled' });
      const after = await quickAnswer(user.accessToken);
      expect(after.status).toBe(200);
      expect(after.body.content).toMatch(/quick brown fox/);
    });

    it('frees the slot when the client goes away: SSE, WebSocket and a non-streaming completion', async () => {
      const user = await registerUser(base);
      const refusedNow = async () => (await quickAnswer(user.accessToken)).status === 429;
      // Well before the held answers would have ended (15 s) and given their slots back on their own.
      const freed = (how: string) =>
        waitFor(async () => !(await refusedNow()), `the slot freed ${how}`, 10_000);

      const sse = await holdSse(user.accessToken);
      await holdSse(user.accessToken);
      expect(await refusedNow()).toBe(true);
      sse.abort();
      await freed('by the SSE client leaving');

      const socket = await TestSocket.open(`${base.replace('http', 'ws')}/ws`, user.accessToken);
      socket.send({
        type: 'chat.start',
        id: 'w',
        sessionId: await newSession(user.accessToken),
        content: 'hold',
      });
      await socket.next((f) => f.type === 'chat.event');
      expect(await refusedNow()).toBe(true);
      socket.terminate();
      await freed('by the WebSocket client leaving');

      // A non-streaming completion holds its slot while it runs (15 s here) and gives it back if its client leaves.
      const controller = new AbortController();
      const lingering = send(base, '/v1/chat/completions', user.accessToken, {
        body: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'linger' }] },
        signal: controller.signal,
      }).catch(() => undefined);
      await waitFor(
        () => platform.openai.requests.some((r) => r.rawBody.includes('linger')),
        'the lingering completion to reach the provider',
      );
      expect(await refusedNow()).toBe(true);
      controller.abort();
      await lingering;
      await freed('by the non-streaming client leaving');
    });

    it("counts a key's streams against the key and against its user", async () => {
      const user = await registerUser(base);
      const { key } = await createKey(base, user.accessToken, { concurrentStreams: 1 });
      const viaKey = await holdSse(key);
      expectRefusedAsProblem(await quickAnswer(key), 'api-key', 'concurrent-streams');
      await holdSse(user.accessToken); // the user's second slot
      expectRefusedAsProblem(await quickAnswer(user.accessToken), 'user', 'concurrent-streams');
      expectRefusedAsProblem(await quickAnswer(key), 'user', 'concurrent-streams');
      await viaKey.stop();
      expect((await quickAnswer(key)).status).toBe(200);
    });

    it('counts each WebSocket chat.start as a request, refusing one over the limit with an error frame for its id', async () => {
      const user = await registerUser(base);
      const { key } = await createKey(base, user.accessToken, { requestsPerMinute: 4 });
      const sessionId = await newSession(key); // 1
      const socket = await TestSocket.open(`${base.replace('http', 'ws')}/ws`, key); // 2
      socket.send({ type: 'chat.start', id: 'a', sessionId, content: 'quick' }); // 3
      await socket.next((f) => f.type === 'chat.event' && f.id === 'a' && f.event.type === 'done');
      socket.send({ type: 'chat.start', id: 'b', sessionId, content: 'quick' }); // 4
      await socket.next((f) => f.type === 'chat.event' && f.id === 'b' && f.event.type === 'done');
      socket.send({ type: 'chat.start', id: 'c', sessionId, content: 'quick' });
      const refusal = await socket.next((f) => f.type === 'error');
      expect(refusal).toMatchObject({
        type: 'error',
        id: 'c',
        error: { code: 'RATE_LIMITED', details: { scope: 'api-key', retryAfterMs: expect.any(Number) } },
      });
      socket.close();
    });

    it('gives back the slots of a gateway replica that crashed once their leases expire', async () => {
      const c = platform.gateway.config;
      const replica = await startServiceProcess('gateway', {
        NATS_URL: c.NATS_URL,
        NATS_SUBJECT_PREFIX: c.NATS_SUBJECT_PREFIX,
        DATABASE_URL: c.DATABASE_URL,
        DATABASE_SCHEMA: c.DATABASE_SCHEMA,
        REDIS_URL: c.REDIS_URL,
        REDIS_KEY_PREFIX: c.REDIS_KEY_PREFIX,
        JWT_SECRET: c.JWT_SECRET,
        PASSWORD_SCRYPT_N: '1024',
        RATE_LIMIT_CONCURRENT_STREAMS: '2',
        RATE_LIMIT_STREAM_LEASE_TTL_MS: String(LEASE_TTL_MS),
      });
      try {
        const user = await registerUser(base);
        await holdSse(user.accessToken, replica.baseUrl);
        await holdSse(user.accessToken, replica.baseUrl);
        running.splice(0); // they die with the replica
        expect((await quickAnswer(user.accessToken)).status).toBe(429);
        // A whole lease TTL on Redis's clock: renewed all along, as the replica is alive.
        await sleep(LEASE_TTL_MS);
        expect((await quickAnswer(user.accessToken)).status).toBe(429);

        await replica.kill();
        const killedAt = Date.now();
        expect((await quickAnswer(user.accessToken)).status).toBe(429);
        // When the request that got in was sent, not when its answer came back from a busy machine.
        let admittedAskedAt = 0;
        await waitFor(async () => {
          const askedAt = Date.now();
          if ((await quickAnswer(user.accessToken)).status !== 200) return false;
          admittedAskedAt = askedAt;
          return true;
        }, "the crashed replica's slots to be given back");
        expect(admittedAskedAt - killedAt).toBeLessThanOrEqual(LEASE_TTL_MS + 1_500);
      } finally {
        await replica.kill();
      }
    });
  });

  describe('when Redis is down', () => {
    let redis: RedisServerProcess;
    let platform: TestPlatform;
    let user: RegisteredUser;

    beforeAll(async () => {
      redis = await RedisServerProcess.start();
      platform = await startPlatform({
        gateway: {
          REDIS_URL: redis.url,
          RATE_LIMIT_REQUESTS_PER_MINUTE: 4,
          RATE_LIMIT_CONCURRENT_STREAMS: 1,
        },
      });
      platform.openai.setBehavior((body) =>
        JSON.stringify(body.messages).includes('hold')
          ? { kind: 'answer', tokens: Array.from({ length: 100 }, (_, i) => ` t${i}`), tokenIntervalMs: 30 }
          : undefined,
      );
      user = await registerUser(platform.gateway.baseUrl);
    });
    afterAll(async () => {
      await platform?.close();
      await redis?.halt();
    });

    it('fails open: requests and streams go through unlimited, without delay, until Redis is back', async () => {
      const base = platform.gateway.baseUrl;
      const me = () => send(base, '/api/v1/me', user.accessToken);
      for (let i = 0; i < 4; i++) expect((await me()).status).toBe(200);
      expect((await me()).status).toBe(429);

      await redis.halt();
      for (let i = 0; i < 10; i++) {
        const answer = await me();
        expect(answer.status).toBe(200);
        expect(answer.headers.get('ratelimit-limit')).toBeNull();
      }
      // Two streams at once, over a limit of one.
      const sessions = await Promise.all(
        [0, 1].map(
          async () => (await send(base, '/api/v1/chat/sessions', user.accessToken, { body: {} })).body.id,
        ),
      );
      const answers = await Promise.all(
        sessions.map((id) =>
          send(base, `/api/v1/chat/sessions/${id}/messages`, user.accessToken, {
            body: { content: 'hold', stream: false },
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200]);

      await redis.resume();
      await waitFor(
        async () => (await me()).headers.get('ratelimit-limit') === '4',
        'the limits to count again once Redis is back',
      );
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await me()).status);
      expect(statuses.slice(-1)).toEqual([429]);
    });
  });
});

/** A WebSocket client that lets a test await the next frame matching a predicate. */
class TestSocket {
  private readonly frames: WsServerFrame[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString())));
  }

  static open(url: string, token: string): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Resolves with (and consumes) the first frame so far or to come that matches. */
  async next(match: (frame: WsServerFrame) => boolean): Promise<WsServerFrame> {
    await waitFor(
      () => this.frames.some(match),
      () => `a matching frame; got ${JSON.stringify(this.frames)}`,
    );
    return this.frames.splice(this.frames.findIndex(match), 1)[0]!;
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}
