import { sign } from 'jsonwebtoken';
import { waitFor } from '@conduit/testing';
import {
  registerUser,
  startTestGateway,
  startTestGatewayReplica,
  TEST_JWT_SECRET,
  type TestGateway,
} from './support/gateway-test-app';

const BODY_LIMIT_BYTES = 16 * 1024;
const PASSWORD = 'correct horse battery staple';

interface Answer {
  status: number;
  contentType: string;
  body: any;
}

describe('identity over HTTP', () => {
  let gateway: TestGateway;
  /** Every body the gateway answered, checked at the end for leaked secrets. */
  const answered: string[] = [];

  async function call(
    path: string,
    init: {
      method?: string;
      body?: unknown;
      rawBody?: string;
      token?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const hasBody = init.body !== undefined || init.rawBody !== undefined;
    const response = await fetch(`${gateway.baseUrl}${path}`, {
      method: init.method ?? (hasBody ? 'POST' : 'GET'),
      headers: {
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...init.headers,
      },
      ...(hasBody ? { body: init.rawBody ?? JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    answered.push(text);
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: text ? JSON.parse(text) : null,
    };
  }

  const uniqueEmail = (label: string) =>
    `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const me = (token: string) => call('/api/v1/me', { token });

  beforeAll(async () => {
    gateway = await startTestGateway({ BODY_LIMIT_BYTES });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  describe('accounts', () => {
    it('registers, logs in and answers /me', async () => {
      const email = uniqueEmail('Ann');
      const registered = await call('/api/v1/auth/register', { body: { email, password: PASSWORD } });
      expect(registered.status).toBe(201);
      expect(registered.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: gateway.config.ACCESS_TOKEN_TTL_SECONDS,
        user: { id: expect.any(String), email: email.toLowerCase(), createdAt: expect.any(String) },
      });

      const loggedIn = await call('/api/v1/auth/login', {
        body: { email: email.toUpperCase(), password: PASSWORD },
      });
      expect(loggedIn.status).toBe(200);
      expect(loggedIn.body.user).toEqual(registered.body.user);
      expect(loggedIn.body.refreshToken).not.toBe(registered.body.refreshToken);

      for (const token of [registered.body.accessToken, loggedIn.body.accessToken]) {
        const answer = await me(token);
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual(registered.body.user);
      }
    });

    it('answers a wrong password and an unknown email with the same 401', async () => {
      const user = await registerUser(gateway.baseUrl);
      const wrongPassword = await call('/api/v1/auth/login', {
        body: { email: user.email, password: 'not the password' },
      });
      const unknownEmail = await call('/api/v1/auth/login', {
        body: { email: uniqueEmail('nobody'), password: PASSWORD },
      });
      expect(wrongPassword.status).toBe(401);
      expect(unknownEmail.status).toBe(401);
      expect(wrongPassword.contentType).toContain('application/problem+json');
      expect(wrongPassword.body).toEqual(unknownEmail.body);
      expect(wrongPassword.body.code).toBe('UNAUTHENTICATED');
    });

    it('refuses an email that is already registered, whatever its case', async () => {
      const user = await registerUser(gateway.baseUrl);
      const again = await call('/api/v1/auth/register', {
        body: { email: user.email.toUpperCase(), password: PASSWORD },
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'CONFLICT', status: 409 });
    });
  });

  describe('bad input', () => {
    it('answers malformed JSON with 400 problem+json', async () => {
      const answer = await call('/api/v1/auth/login', { rawBody: '{"email": "a@b.co", "password": ' });
      expect(answer.status).toBe(400);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    });

    it.each([
      ['a missing field', { email: 'someone@example.test' }, 'password'],
      ['an unknown field', { email: 'someone@example.test', password: PASSWORD, admin: true }, 'admin'],
      ['a wrongly typed field', { email: 'someone@example.test', password: 12345678 }, 'password'],
      ['a password too short', { email: 'someone@example.test', password: 'short' }, 'password'],
      ['a password too long', { email: 'someone@example.test', password: 'x'.repeat(1025) }, 'password'],
      ['an invalid email', { email: 'not-an-email', password: PASSWORD }, 'email'],
    ])('answers %s with 400 naming the field', async (_case, body, field) => {
      const answer = await call('/api/v1/auth/register', { body });
      expect(answer.status).toBe(400);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.body.code).toBe('VALIDATION_FAILED');
      expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
    });

    it('answers a body over BODY_LIMIT_BYTES with 413', async () => {
      const answer = await call('/api/v1/auth/register', {
        body: { email: 'big@example.test', password: 'x'.repeat(BODY_LIMIT_BYTES) },
      });
      expect(answer.status).toBe(413);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('answers an unknown route with 404 problem+json', async () => {
      const answer = await call('/api/v1/no-such-thing');
      expect(answer.status).toBe(404);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.body.code).toBe('NOT_FOUND');
    });
  });

  describe('access tokens', () => {
    const claimsOf = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
        sub: string;
        email: string;
      };

    it('refuses requests without credentials, with a problem that does not say why', async () => {
      const missing = await call('/api/v1/me');
      const garbage = await me('garbage');
      const wrongScheme = await call('/api/v1/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      for (const answer of [missing, garbage, wrongScheme]) {
        expect(answer.status).toBe(401);
        expect(answer.contentType).toContain('application/problem+json');
        expect(answer.body).toEqual(missing.body);
      }
    });

    it('refuses a token once it has expired, though it was accepted (and remembered) before', async () => {
      const user = await registerUser(gateway.baseUrl);
      const { sub, email } = claimsOf(user.accessToken);
      const expiresAt = Math.floor(Date.now() / 1000) + 2;
      const shortLived = sign({ email, exp: expiresAt }, TEST_JWT_SECRET, {
        subject: sub,
        issuer: gateway.config.JWT_ISSUER,
      });
      expect((await me(shortLived)).status).toBe(200);
      await waitFor(
        async () => (await me(shortLived)).status === 401,
        'the remembered token refused once expired',
      );
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000);
    });

    it('refuses expired, tampered, foreign-secret, wrong-issuer and unsigned tokens', async () => {
      const user = await registerUser(gateway.baseUrl);
      const { sub, email } = claimsOf(user.accessToken);
      const issuer = gateway.config.JWT_ISSUER;
      const [header, , signature] = user.accessToken.split('.');
      const otherUser = Buffer.from(
        JSON.stringify({ ...claimsOf(user.accessToken), sub: crypto.randomUUID() }),
      ).toString('base64url');
      const unsignedHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify(claimsOf(user.accessToken))).toString('base64url');

      const tokens = {
        expired: sign({ email, exp: Math.floor(Date.now() / 1000) - 60 }, TEST_JWT_SECRET, {
          subject: sub,
          issuer,
        }),
        tampered: `${header}.${otherUser}.${signature}`,
        otherSecret: sign({ email }, 'another-secret-that-is-long-enough-0123456789', {
          subject: sub,
          issuer,
          expiresIn: 60,
        }),
        wrongIssuer: sign({ email }, TEST_JWT_SECRET, {
          subject: sub,
          issuer: 'someone-else',
          expiresIn: 60,
        }),
        unsigned: `${unsignedHeader}.${payload}.`,
      };
      expect((await me(user.accessToken)).status).toBe(200);
      for (const [kind, token] of Object.entries(tokens)) {
        const answer = await me(token);
        expect({ kind, status: answer.status }).toEqual({ kind, status: 401 });
        expect(answer.body.code).toBe('UNAUTHENTICATED');
      }
    });
  });

  describe('refresh tokens', () => {
    const refresh = (refreshToken: string) => call('/api/v1/auth/refresh', { body: { refreshToken } });

    it('rotates: each refresh spends the token and hands out a working successor', async () => {
      const user = await registerUser(gateway.baseUrl);
      const first = await refresh(user.refreshToken);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ tokenType: 'Bearer', user: { id: user.userId } });
      expect(first.body.refreshToken).not.toBe(user.refreshToken);
      expect((await me(first.body.accessToken)).status).toBe(200);

      const second = await refresh(first.body.refreshToken);
      expect(second.status).toBe(200);
      expect((await me(second.body.accessToken)).status).toBe(200);
    });

    it('treats reuse of a spent token as theft and revokes the whole family', async () => {
      const user = await registerUser(gateway.baseUrl);
      const rotated = await refresh(user.refreshToken);
      expect(rotated.status).toBe(200);

      const reused = await refresh(user.refreshToken);
      expect(reused.status).toBe(401);
      expect(reused.body.code).toBe('UNAUTHENTICATED');
      expect((await refresh(rotated.body.refreshToken)).status).toBe(401);

      // Other sessions of the same account are other families and keep working.
      const otherSession = await call('/api/v1/auth/login', {
        body: { email: user.email, password: user.password },
      });
      expect((await refresh(otherSession.body.refreshToken)).status).toBe(200);
    });

    it('refuses unknown refresh tokens', async () => {
      expect((await refresh('not-a-refresh-token')).status).toBe(401);
    });

    it('logs out: the session can no longer be refreshed', async () => {
      const user = await registerUser(gateway.baseUrl);
      const rotated = await refresh(user.refreshToken);
      const logout = await call('/api/v1/auth/logout', { body: { refreshToken: rotated.body.refreshToken } });
      expect(logout.status).toBe(204);
      expect(logout.body).toBeNull();
      expect((await refresh(rotated.body.refreshToken)).status).toBe(401);
      expect(
        (await call('/api/v1/auth/logout', { body: { refreshToken: rotated.body.refreshToken } })).status,
      ).toBe(204);
    });
  });

  describe('API keys', () => {
    const createKey = (token: string, name: string) => call('/api/v1/api-keys', { body: { name }, token });

    it('creates a key shown once, lists it without the secret, and revokes it at once', async () => {
      const user = await registerUser(gateway.baseUrl);
      const created = await createKey(user.accessToken, 'laptop');
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        name: 'laptop',
        key: expect.stringMatching(/^ck_[\w-]{43}$/),
        displayPrefix: expect.stringMatching(/^ck_/),
        createdAt: expect.any(String),
        limits: { requestsPerMinute: null, concurrentStreams: null },
      });
      const { key, id, displayPrefix } = created.body as { key: string; id: string; displayPrefix: string };
      expect(key.startsWith(displayPrefix)).toBe(true);

      const viaKey = await me(key);
      expect(viaKey.status).toBe(200);
      expect(viaKey.body.id).toBe(user.userId);

      const listed = await call('/api/v1/api-keys', { token: user.accessToken });
      expect(listed.status).toBe(200);
      expect(listed.body.data).toEqual([
        {
          id,
          name: 'laptop',
          displayPrefix,
          createdAt: created.body.createdAt,
          lastUsedAt: expect.any(String),
          limits: { requestsPerMinute: null, concurrentStreams: null },
        },
      ]);
      expect(JSON.stringify(listed.body)).not.toContain(key);

      // An API key works wherever a token does, including for managing keys.
      expect((await call('/api/v1/api-keys', { token: key })).status).toBe(200);

      const revoked = await call(`/api/v1/api-keys/${id}`, { method: 'DELETE', token: user.accessToken });
      expect(revoked.status).toBe(204);
      const afterRevoke = await me(key);
      expect(afterRevoke.status).toBe(401);
      expect(afterRevoke.body.code).toBe('UNAUTHENTICATED');
      expect((await call('/api/v1/api-keys', { token: user.accessToken })).body.data).toEqual([]);
    });

    it("does not let one user revoke another user's key", async () => {
      const alice = await registerUser(gateway.baseUrl);
      const bob = await registerUser(gateway.baseUrl);
      const alicesKey = await createKey(alice.accessToken, 'ci');

      const attempt = await call(`/api/v1/api-keys/${alicesKey.body.id}`, {
        method: 'DELETE',
        token: bob.accessToken,
      });
      const absent = await call(`/api/v1/api-keys/${crypto.randomUUID()}`, {
        method: 'DELETE',
        token: bob.accessToken,
      });
      expect(attempt.status).toBe(404);
      expect(attempt.body).toEqual(absent.body);
      expect((await me(alicesKey.body.key)).status).toBe(200);
      expect((await call('/api/v1/api-keys', { token: bob.accessToken })).body.data).toEqual([]);
    });

    it('stops a revoked key on every replica at once, even where it was just used', async () => {
      const replica = await startTestGatewayReplica(gateway);
      try {
        const user = await registerUser(gateway.baseUrl);
        const { id, key } = (await createKey(user.accessToken, 'shared')).body as { id: string; key: string };
        const meOn = (target: TestGateway) =>
          fetch(`${target.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } }).then(
            (r) => r.status,
          );
        expect([await meOn(gateway), await meOn(replica)]).toEqual([200, 200]);

        const revoked = await call(`/api/v1/api-keys/${id}`, { method: 'DELETE', token: user.accessToken });
        expect(revoked.status).toBe(204);
        expect([await meOn(replica), await meOn(gateway)]).toEqual([401, 401]);
      } finally {
        await replica.close();
      }
    });

    it('refuses keys that look right but were never issued, and names a bad key id', async () => {
      const user = await registerUser(gateway.baseUrl);
      expect((await me(`ck_${'A'.repeat(43)}`)).status).toBe(401);
      expect((await me('ck_short')).status).toBe(401);
      const badId = await call('/api/v1/api-keys/not-a-uuid', { method: 'DELETE', token: user.accessToken });
      expect(badId.status).toBe(400);
      expect(badId.body.errors).toEqual([expect.objectContaining({ path: 'id' })]);
    });

    it('authenticates the OpenAI-compatible routes with an API key, answering failures in OpenAI shape', async () => {
      const user = await registerUser(gateway.baseUrl);
      const { key } = (await createKey(user.accessToken, 'sdk')).body as { key: string };
      const anonymous = await call('/v1/models');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ error: { type: 'authentication_error' } });
      // No chat service runs here, so past authentication the route may fail otherwise; it must not be a 401.
      expect((await call('/v1/models', { token: key })).status).not.toBe(401);
    });
  });

  describe('the API description', () => {
    it('lists the identity routes with their schemas and security', async () => {
      const { status, body: document } = await call('/openapi.json');
      expect(status).toBe(200);
      const register = document.paths['/api/v1/auth/register'].post;
      expect(register).toMatchObject({ tags: ['identity'], security: [] });
      expect(register.requestBody.content['application/json'].schema).toMatchObject({
        type: 'object',
        required: ['email', 'password'],
        additionalProperties: false,
        properties: { password: { type: 'string', minLength: 8, maxLength: 1024 } },
      });
      expect(register.responses['201'].content['application/json'].schema.required).toEqual(
        expect.arrayContaining(['accessToken', 'refreshToken', 'tokenType', 'expiresIn', 'user']),
      );
      for (const path of ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout']) {
        expect(document.paths[path].post.security).toEqual([]);
      }
      expect(document.paths['/api/v1/me'].get.security).toEqual([{ bearer: [] }]);
      expect(document.paths['/api/v1/api-keys'].post.responses['201']).toBeDefined();
      expect(document.paths['/api/v1/api-keys'].get.responses['200']).toBeDefined();
      const revoke = document.paths['/api/v1/api-keys/{id}'].delete;
      expect(revoke.responses['204']).toBeDefined();
      expect(revoke.parameters).toEqual([
        expect.objectContaining({ name: 'id', in: 'path', required: true }),
      ]);
    });
  });

  describe('afterwards', () => {
    it('never answered a password hash or key hash, and the process is still up and ready', async () => {
      expect(answered.length).toBeGreaterThan(30);
      for (const text of answered)
        expect(text).not.toMatch(/passwordHash|password_hash|keyHash|key_hash|scrypt\$/);
      expect((await call('/healthz')).status).toBe(200);
      const ready = await call('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ postgres: 'ok', redis: 'ok', nats: 'ok' });
    });
  });
});
