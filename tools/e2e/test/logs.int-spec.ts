import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { migrateServiceSchema } from '@conduit/db';
import {
  isolatedNamespace,
  readSse,
  startFakeOpenAI,
  startServiceProcess,
  testEnv,
  type FakeOpenAIServer,
  type ServiceProcess,
} from '@conduit/testing';
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from './support/otlp-collector';

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

/**
 * The gateway and chat as deployed (built `dist/main.js`, one process each, tracing started by
 * main.ts, spans exported over OTLP/HTTP to a local collector) at LOG_LEVEL=debug. Everything either
 * process prints is kept; none of it may contain a credential, and lines logged while serving a
 * request carry its trace id.
 */
describe('logs of the running services', () => {
  const password = secret('Pass-phrase');
  const jwtSecret = secret('jwt-signing-secret-0123456789');
  const providerKey = secret('sk-provider');
  const output: Record<'gateway' | 'chat', string[]> = { gateway: [], chat: [] };
  const credentials: Record<string, string> = {};
  const traceIds: string[] = [];
  let collector: OtlpCollector;
  let openai: FakeOpenAIServer;
  let gateway: ServiceProcess;
  let chat: ServiceProcess;
  let usage: ServiceProcess;
  const drops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const infra = testEnv();
    const namespace = isolatedNamespace('logs');
    collector = await startOtlpCollector();
    openai = await startFakeOpenAI({ apiKey: providerKey, defaultAnswer: 'Sunny and mild in Paris today.' });
    for (const service of ['gateway', 'chat', 'usage']) {
      drops.push((await migrateServiceSchema(service, infra.databaseUrl, namespace.schemaFor(service))).drop);
    }
    const common = {
      LOG_LEVEL: 'debug',
      NATS_URL: infra.natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      DATABASE_URL: infra.databaseUrl,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      SHUTDOWN_GRACE_MS: '3000',
    };
    const capture = (service: 'gateway' | 'chat') => (chunk: string) => output[service].push(chunk);
    // The ledger and budgets chat meters against.
    usage = await startServiceProcess('usage', { ...common, DATABASE_SCHEMA: namespace.schemaFor('usage') });
    chat = await startServiceProcess(
      'chat',
      {
        ...common,
        DATABASE_SCHEMA: namespace.schemaFor('chat'),
        OPENAI_API_KEY: providerKey,
        OPENAI_BASE_URL: openai.url,
        CHAT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
      },
      { onOutput: capture('chat') },
    );
    gateway = await startServiceProcess(
      'gateway',
      {
        ...common,
        DATABASE_SCHEMA: namespace.schemaFor('gateway'),
        REDIS_URL: infra.redisUrl,
        REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
        JWT_SECRET: jwtSecret,
        PASSWORD_SCRYPT_N: '1024',
      },
      { onOutput: capture('gateway') },
    );

    await driveTraffic();
    // SIGTERM: each process flushes its spans and logs on the way out.
    await Promise.all([gateway.stop(10_000), chat.stop(10_000)]);
    await usage.stop(10_000);
  });
  afterAll(async () => {
    await Promise.all([gateway?.kill(), chat?.kill(), usage?.kill()]);
    await Promise.all([openai?.close(), collector?.close(), ...drops.map((drop) => drop())]);
  });

  async function driveTraffic(): Promise<void> {
    const base = gateway.baseUrl;
    const email = `${secret('logs')}@example.test`;
    const call = async (path: string, body?: unknown, token?: string) => {
      const response = await fetch(`${base}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return response;
    };
    const json = async (response: Response) => (await response.json()) as Record<string, any>;

    const registered = await json(await call('/api/v1/auth/register', { email, password }));
    credentials.registerAccessToken = registered.accessToken;
    credentials.registerRefreshToken = registered.refreshToken;
    expect((await call('/api/v1/auth/login', { email, password: `${password}-wrong` })).status).toBe(401);
    const loggedIn = await json(await call('/api/v1/auth/login', { email, password }));
    credentials.loginAccessToken = loggedIn.accessToken;
    credentials.loginRefreshToken = loggedIn.refreshToken;
    const refreshed = await json(await call('/api/v1/auth/refresh', { refreshToken: loggedIn.refreshToken }));
    credentials.refreshedAccessToken = refreshed.accessToken;
    credentials.refreshedRefreshToken = refreshed.refreshToken;
    // Reusing a rotated refresh token is refused (and revokes the family): an error path that logs.
    expect((await call('/api/v1/auth/refresh', { refreshToken: loggedIn.refreshToken })).status).toBe(401);
    const token = refreshed.accessToken as string;
    expect((await call('/api/v1/me', undefined, `${token}x`)).status).toBe(401);

    const created = await json(await call('/api/v1/api-keys', { name: 'ci' }, token));
    credentials.apiKey = created.key;
    expect((await call('/api/v1/api-keys', undefined, created.key)).status).toBe(200);

    const session = await json(await call('/api/v1/chat/sessions', { title: 'Weather' }, created.key));
    const answer = await call(
      `/api/v1/chat/sessions/${session.id}/messages`,
      { content: 'What is the weather like in Paris today?' },
      token,
    );
    expect(answer.status).toBe(200);
    const traceparent = answer.headers.get('traceparent');
    for await (const _ of readSse(answer.body)) {
      // read the whole answer
    }
    // The same through the OpenAI-compatible API with the API key, and over a WebSocket.
    const completion = await call(
      '/v1/chat/completions',
      { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
      created.key,
    );
    expect(completion.ok).toBe(true);
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?access_token=${token}`);
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; event?: { type: string } };
        if (frame.type === 'ready') {
          ws.send(
            JSON.stringify({ type: 'chat.start', id: 'c1', sessionId: session.id, content: 'And tomorrow?' }),
          );
        }
        if (frame.type === 'chat.event' && frame.event?.type === 'done') ws.close();
      });
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    if (traceparent) traceIds.push(traceparent.split('-')[1]!);
  }

  const all = () => [...output.gateway, ...output.chat].join('');
  const linesOf = (service: 'gateway' | 'chat') => output[service].join('').split('\n').filter(Boolean);

  it('prints nothing but JSON lines, and plenty of them at debug level', () => {
    for (const service of ['gateway', 'chat'] as const) {
      const lines = linesOf(service);
      expect(lines.length).toBeGreaterThan(5);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it('never prints a password, token, API key, JWT secret or provider key, nor exports one in a span', () => {
    const text = all() + JSON.stringify(collector.spans);
    expect(collector.spans.length).toBeGreaterThan(20);
    const secrets: Record<string, string> = {
      password,
      jwtSecret,
      providerKey,
      ...credentials,
    };
    expect(Object.keys(credentials)).toHaveLength(7);
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length).toBeGreaterThan(16);
      expect({ name, leaked: text.includes(value) }).toEqual({ name, leaked: false });
      // A JWT's signature alone would do as much harm as the whole token.
      const signature = value.split('.')[2];
      if (signature) expect({ name, leaked: text.includes(signature) }).toEqual({ name, leaked: false });
    }
  });

  it('tags lines logged while handling a request with its trace id, in both services', () => {
    const traced = (service: 'gateway' | 'chat') =>
      linesOf(service)
        .map((line) => JSON.parse(line) as { trace_id?: string; span_id?: string })
        .filter((entry) => entry.trace_id);
    for (const service of ['gateway', 'chat'] as const) {
      const entries = traced(service);
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        expect(entry.trace_id).toMatch(/^[0-9a-f]{32}$/);
        expect(entry.span_id).toMatch(/^[0-9a-f]{16}$/);
      }
    }
    // Lines of one request, logged by both services, under one trace id.
    const chatTraces = new Set(traced('chat').map((e) => e.trace_id));
    expect(traced('gateway').some((e) => chatTraces.has(e.trace_id))).toBe(true);
  });

  it('exports its spans over OTLP/HTTP: one trace across both processes, provider call and queries included', () => {
    const byTrace = new Map<string, CollectedSpan[]>();
    for (const span of collector.spans)
      byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
    const message = collector.spans.find(
      (s) => s.service === 'gateway' && s.name === 'POST /api/v1/chat/sessions/:sessionId/messages',
    );
    expect(message).toBeDefined();
    const trace = byTrace.get(message!.traceId)!;
    const names = (service: string) => trace.filter((s) => s.service === service).map((s) => s.name);
    expect(names('gateway')).toEqual(
      expect.arrayContaining(['send chat.completion.start', 'consume stream chat.completion']),
    );
    expect(names('chat')).toEqual(
      expect.arrayContaining([
        'process chat.completion.start',
        'produce stream chat.completion',
        'chat gpt-4o-mini',
      ]),
    );
    // Auto-instrumented in a real process (require hooks, nothing patched by hand): Postgres and fetch.
    expect(trace.some((s) => s.service === 'chat' && s.attributes['db.system.name'] === 'postgresql')).toBe(
      true,
    );
    expect(
      trace.some((s) => s.service === 'chat' && String(s.attributes['url.full']).startsWith(openai.url)),
    ).toBe(true);
    // The trace ids in the logs are the exported ones.
    const logged = new Set(
      linesOf('chat')
        .map((line) => (JSON.parse(line) as { trace_id?: string }).trace_id)
        .filter(Boolean),
    );
    expect([...logged].some((id) => byTrace.has(id!))).toBe(true);
  });
});
