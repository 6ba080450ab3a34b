import { randomUUID } from 'node:crypto';
import { readSse } from '@conduit/testing';
import {
  registerUser,
  startTestGatewayReplica,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

/** gpt-4o-mini list prices, USD per token. */
const INPUT_USD = 0.15 / 1e6;
const OUTPUT_USD = 0.6 / 1e6;
/** A session turn saying "hi": 5 prompt tokens (estimated) and at most 16,384 out, gpt-4o-mini's max. */
const TURN_WORST_USD = Number((5 * INPUT_USD + 16_384 * OUTPUT_USD).toFixed(8));

describe('usage and budgets over HTTP, two gateway replicas and two chat replicas', () => {
  let platform: TestPlatform;
  let replica: TestGateway;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const gateways = () => [platform.gateway.baseUrl, replica.baseUrl];
  const as = (user: RegisteredUser | string, baseUrl = platform.gateway.baseUrl) =>
    api(baseUrl, typeof user === 'string' ? user : user.accessToken);

  beforeAll(async () => {
    platform = await startPlatform({ chatReplicas: 2 });
    replica = await startTestGatewayReplica(platform.gateway);
    [alice, bob] = await Promise.all([
      registerUser(platform.gateway.baseUrl),
      registerUser(platform.gateway.baseUrl),
    ]);
  });
  afterAll(async () => {
    await replica?.close();
    await platform?.close();
  });
  beforeEach(() => platform.openai.reset());

  async function createKey(user: RegisteredUser, name: string): Promise<{ id: string; key: string }> {
    const response = await as(user)('/api/v1/api-keys', { body: { name } });
    expect(response.status).toBe(201);
    return json(response);
  }

  async function newSession(user: RegisteredUser): Promise<string> {
    const response = await as(user)('/api/v1/chat/sessions', { body: { title: 'budget test' } });
    expect(response.status).toBe(201);
    return (await json(response)).id;
  }

  /** A /v1 completion of "hi" with at most 10 output tokens: 15 tokens at worst. */
  const tinyCompletion = (credential: string, baseUrl = platform.gateway.baseUrl) =>
    api(baseUrl, credential)('/v1/chat/completions', {
      body: {
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 10,
      },
    });

  it('a budget at its limit under 20 concurrent requests: exactly the requests that fit run, the rest get 402', async () => {
    const carol = await registerUser(platform.gateway.baseUrl);
    const fits = 5;
    const limitUsd = Number((fits * TURN_WORST_USD).toFixed(8));
    const put = await as(carol)('/api/v1/budgets/user', {
      method: 'PUT',
      body: { period: 'month', limitUsd },
    });
    expect(put.status).toBe(200);
    expect(await json(put)).toMatchObject({ scope: 'user', period: 'month', limitUsd, spentUsd: 0 });

    // Every answer costs exactly its worst case (the provider reports the full max output), and they overlap.
    platform.openai.setBehavior({
      kind: 'answer',
      tokens: [' a', ' b', ' c', ' d', ' e'],
      tokenIntervalMs: 40,
      usage: { inputTokens: 5, outputTokens: 16_384 },
    });
    const sessions = await Promise.all(Array.from({ length: 20 }, () => newSession(carol)));
    const responses = await Promise.all(
      sessions.map(async (sessionId, i) => {
        const stream = i % 2 === 0;
        const response = await as(carol, gateways()[i % 2])(`/api/v1/chat/sessions/${sessionId}/messages`, {
          body: { content: 'hi', stream },
        });
        const body =
          response.status === 200 && stream
            ? await (async () => {
                const events: string[] = [];
                for await (const message of readSse(response.body)) events.push(message.event ?? 'message');
                return events;
              })()
            : await response.json();
        return {
          sessionId,
          status: response.status,
          type: response.headers.get('content-type'),
          body: body as any,
        };
      }),
    );

    // Held in Redis across both chat replicas: neither had to fall back to its own view of the ledger.
    for (const chat of platform.chats) expect(chat.output()).not.toContain('checked against the ledger only');
    const served = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    expect(served).toHaveLength(fits);
    expect(refused).toHaveLength(20 - fits);
    for (const r of refused) {
      expect(r.status).toBe(402);
      expect(r.type).toContain('application/problem+json');
      expect(r.body).toMatchObject({
        status: 402,
        code: 'BUDGET_EXCEEDED',
        scope: 'user',
        period: 'month',
        limit: 'usd',
        limitUsd,
      });
      expect(r.body.detail).toMatch(/Your monthly budget of \$0\.04915575 cannot cover this request/);
      expect(Date.parse(r.body.resetsAt)).toBeGreaterThan(Date.now());
    }
    // Refused before anything was stored.
    for (const r of refused.slice(0, 3)) {
      const session = await json(await as(carol)(`/api/v1/chat/sessions/${r.sessionId}`));
      expect(session.messages).toEqual([]);
    }

    const usage = await json(await as(carol)('/api/v1/usage'));
    expect(usage.totals.requests).toBe(fits);
    // Overspend bounded by one request's cost; here, with exact worst cases, there is none at all.
    expect(usage.totals.costUsd).toBeLessThanOrEqual(limitUsd + TURN_WORST_USD + 1e-12);
    expect(usage.totals.costUsd).toBeCloseTo(limitUsd, 10);
    const budgets = await json(await as(carol)('/api/v1/budgets'));
    expect(budgets.data).toEqual([expect.objectContaining({ scope: 'user', spentUsd: limitUsd })]);
  });

  it('a key budget stops that key only; the user budget stops every credential of the user', async () => {
    platform.openai.setBehavior({ kind: 'answer', usage: { inputTokens: 5, outputTokens: 10 } });
    const [key1, key2] = [await createKey(alice, 'limited'), await createKey(alice, 'free')];
    const put = await as(alice)(`/api/v1/budgets/api-keys/${key1.id}`, {
      method: 'PUT',
      body: { period: 'day', limitTokens: 20 },
    });
    expect(put.status).toBe(200);
    expect(await json(put)).toMatchObject({
      scope: 'api_key',
      apiKeyId: key1.id,
      limitTokens: 20,
      limitUsd: null,
    });

    expect((await tinyCompletion(key1.key)).ok).toBe(true);
    const refused = await tinyCompletion(key1.key, replica.baseUrl);
    expect(refused.status).toBe(402);
    expect(await json(refused)).toMatchObject({
      error: { type: 'insufficient_quota', code: 'budget_exceeded' },
    });
    expect((await tinyCompletion(key2.key)).ok).toBe(true);
    expect((await tinyCompletion(alice.accessToken)).ok).toBe(true);

    // An API key may read budgets but not change them, its own least of all.
    expect((await as(key1.key)('/api/v1/budgets')).status).toBe(200);
    const lift = await as(key1.key)(`/api/v1/budgets/api-keys/${key1.id}`, {
      method: 'PUT',
      body: { period: 'day', limitTokens: 1_000_000 },
    });
    expect(lift.status).toBe(403);
    expect(await json(lift)).toMatchObject({ code: 'FORBIDDEN' });

    const own = await as(alice)('/api/v1/budgets/user', {
      method: 'PUT',
      body: { period: 'day', limitTokens: 50 },
    });
    expect(own.status).toBe(200);
    const byUser = await tinyCompletion(key2.key);
    expect(byUser.status).toBe(402);
    const { data } = await json(await as(alice)('/api/v1/budgets'));
    expect(data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ scope: 'user', limitTokens: 50, spentTokens: 45 }),
        expect.objectContaining({ scope: 'api_key', apiKeyId: key1.id, spentTokens: 15 }),
      ]),
    );

    expect((await as(alice)('/api/v1/budgets/user', { method: 'DELETE' })).status).toBe(204);
    expect((await tinyCompletion(key2.key)).ok).toBe(true);
    expect((await as(alice)(`/api/v1/budgets/api-keys/${key1.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await tinyCompletion(key1.key)).ok).toBe(true);
  });

  it('GET /api/v1/usage sums by day, model and key for the caller only', async () => {
    platform.openai.setBehavior({ kind: 'answer', usage: { inputTokens: 5, outputTokens: 10 } });
    const dave = await registerUser(platform.gateway.baseUrl);
    const key = await createKey(dave, 'reporting');
    await tinyCompletion(key.key);
    await tinyCompletion(dave.accessToken, replica.baseUrl);
    const session = await newSession(dave);
    const turn = await as(dave)(`/api/v1/chat/sessions/${session}/messages`, {
      body: { content: 'hi', stream: false },
    });
    expect(turn.status).toBe(200);

    const today = new Date().toISOString().slice(0, 10);
    const response = await as(dave)(`/api/v1/usage?from=${today}&to=${today}`);
    expect(response.status).toBe(200);
    const usage = await json(response);
    const perCall = 5 * INPUT_USD + 10 * OUTPUT_USD;
    expect(usage.from).toBe(`${today}T00:00:00.000Z`);
    expect(usage.totals).toMatchObject({
      requests: 3,
      inputTokens: 15,
      outputTokens: 30,
      estimatedRequests: 0,
    });
    expect(usage.totals.costUsd).toBeCloseTo(3 * perCall, 12);
    expect(usage.byDay).toEqual([expect.objectContaining({ day: today, requests: 3 })]);
    expect(usage.byModel).toEqual([expect.objectContaining({ model: 'openai/gpt-4o-mini', requests: 3 })]);
    expect(usage.byApiKey).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ apiKeyId: key.id, requests: 1 }),
        expect.objectContaining({ apiKeyId: null, requests: 2 }),
      ]),
    );

    const onlyModels = await json(await as(dave)('/api/v1/usage?groupBy=model'));
    expect(Object.keys(onlyModels).sort()).toEqual(['byModel', 'from', 'to', 'totals']);

    // Bob has used nothing and sees nothing of anyone else's.
    const bobs = await json(await as(bob)(`/api/v1/usage?from=${today}`));
    expect(bobs).toMatchObject({
      totals: { requests: 0, costUsd: 0 },
      byDay: [],
      byModel: [],
      byApiKey: [],
    });
    expect((await json(await as(bob)('/api/v1/budgets'))).data).toEqual([]);
  });

  it('documents the routes, their query and bodies in /openapi.json', async () => {
    const document = await json(await fetch(`${platform.gateway.baseUrl}/openapi.json`));
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/usage',
        '/api/v1/budgets',
        '/api/v1/budgets/user',
        '/api/v1/budgets/api-keys/{apiKeyId}',
      ]),
    );
    expect(document.paths['/api/v1/usage'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'from',
      'to',
      'groupBy',
    ]);
    expect(document.paths['/api/v1/budgets/user'].put.requestBody).toBeDefined();
  });

  describe('bad input is a 4xx problem, never a 500', () => {
    let bobKey: { id: string; key: string };
    beforeAll(async () => {
      bobKey = await createKey(bob, 'not yours');
    });

    it.each([
      [
        'an unknown key',
        () => `/api/v1/budgets/api-keys/${randomUUID()}`,
        { period: 'day', limitUsd: 1 },
        404,
      ],
      [
        "another user's key",
        () => `/api/v1/budgets/api-keys/${bobKey.id}`,
        { period: 'day', limitUsd: 1 },
        404,
      ],
      [
        'a key id that is not one',
        () => '/api/v1/budgets/api-keys/nope',
        { period: 'day', limitUsd: 1 },
        400,
      ],
      ['a negative amount', () => '/api/v1/budgets/user', { period: 'day', limitUsd: -1 }, 400],
      ['a zero token cap', () => '/api/v1/budgets/user', { period: 'day', limitTokens: 0 }, 400],
      ['a fractional token cap', () => '/api/v1/budgets/user', { period: 'day', limitTokens: 1.5 }, 400],
      ['no limit at all', () => '/api/v1/budgets/user', { period: 'day' }, 400],
      ['an unknown period', () => '/api/v1/budgets/user', { period: 'week', limitUsd: 1 }, 400],
      [
        'an unknown field',
        () => '/api/v1/budgets/user',
        { period: 'day', limitUsd: 1, currency: 'EUR' },
        400,
      ],
      ['an absurd amount', () => '/api/v1/budgets/user', { period: 'day', limitUsd: 1e12 }, 400],
    ])('PUT a budget with %s is refused', async (_name, path, body, status) => {
      const response = await as(alice)(path(), { method: 'PUT', body });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = await json(response);
      expect(problem).toMatchObject({ status, code: status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED' });
      if (status === 400) expect(problem.errors.length).toBeGreaterThan(0);
    });

    it('the key budget of a missing or foreign key cannot be removed either', async () => {
      const response = await as(alice)(`/api/v1/budgets/api-keys/${bobKey.id}`, { method: 'DELETE' });
      expect(response.status).toBe(404);
      expect(await json(response)).toMatchObject({ code: 'NOT_FOUND' });
    });

    it.each([
      ['from=yesterday'],
      ['from=2026-02-30'],
      ['from=2026-13-01'],
      ['to=2026-11-21T25:00:00Z'],
      ['from=2026-11-21&to=2026-11-20'],
      ['from=2020-01-01&to=2026-01-01'],
      ['groupBy=week'],
      ['groupBy=day,,model'],
      ['limit=10'],
    ])('GET /api/v1/usage?%s → 400', async (query) => {
      const response = await as(alice)(`/api/v1/usage?${query}`);
      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({ code: 'VALIDATION_FAILED', errors: expect.any(Array) });
    });
  });
});
