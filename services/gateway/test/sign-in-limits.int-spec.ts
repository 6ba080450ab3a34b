import { waitFor } from '@conduit/testing';
import { registerUser, startTestGateway, type TestGateway } from './support/gateway-test-app';

const PASSWORD = 'correct horse battery staple';
const WRONG = 'not the password at all';

/** Lenient limits, so each test tightens only the one it is about. */
const LENIENT = {
  AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: 0,
  AUTH_FAILURES_BEFORE_BACKOFF: 1_000,
  AUTH_ACCOUNT_FAILURES_BEFORE_BACKOFF: 1_000,
  AUTH_FAILURES_PER_DAY_PER_ADDRESS: 0,
};

let addresses = 0;
/** A client address no other test used; the gateway trusts the loopback proxy to name it. */
const newAddress = () => `203.0.113.${++addresses}`;

interface Answer {
  status: number;
  retryAfter: number | null;
  body: any;
}

describe('sign-in limits', () => {
  const gateways: TestGateway[] = [];

  async function gatewayWith(overrides: Partial<TestGateway['config']>): Promise<TestGateway> {
    const gateway = await startTestGateway({ TRUST_PROXY: ['loopback'], ...LENIENT, ...overrides });
    gateways.push(gateway);
    return gateway;
  }

  async function post(gateway: TestGateway, path: string, body: unknown, address: string): Promise<Answer> {
    const response = await fetch(`${gateway.baseUrl}/api/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify(body),
    });
    const retryAfter = response.headers.get('retry-after');
    return {
      status: response.status,
      retryAfter: retryAfter === null ? null : Number(retryAfter),
      body: await response.json().catch(() => null),
    };
  }

  const login = (gateway: TestGateway, email: string, password: string, address: string) =>
    post(gateway, 'login', { email, password }, address);

  /**
   * Asks with a wrong password until the block has passed (it runs on the wall clock, with no setting to
   * shorten it below a second); refused asks record nothing.
   */
  async function failOnceUnblocked(gateway: TestGateway, email: string, address: string): Promise<Answer> {
    let answer: Answer | undefined;
    await waitFor(
      async () => (answer = await login(gateway, email, WRONG, address)).status !== 429,
      () => `the block to pass; last answer ${JSON.stringify(answer)}`,
    );
    return answer!;
  }

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
  });

  it('admits N requests per minute from one address to sign-up, sign-in and refresh, then answers 429 with Retry-After', async () => {
    const gateway = await gatewayWith({ AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: 5 });
    const address = newAddress();
    const statuses: number[] = [];
    const refusals: Answer[] = [];
    for (let i = 0; i < 8; i++) {
      const answer =
        i % 2 === 0
          ? await post(gateway, 'refresh', { refreshToken: 'x'.repeat(43) }, address)
          : await login(gateway, `nobody-${i}@example.test`, WRONG, address);
      statuses.push(answer.status);
      if (answer.status === 429) refusals.push(answer);
    }
    // 8 requests → the first 5 answered on their merits, the other 3 refused.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    for (const refusal of refusals) {
      expect(refusal.retryAfter).toBeGreaterThanOrEqual(1);
      expect(refusal.retryAfter).toBeLessThanOrEqual(60);
      expect(refusal.body).toMatchObject({
        status: 429,
        code: 'RATE_LIMITED',
        rateLimit: 'attempts-per-address',
      });
    }
    const register = await post(
      gateway,
      'register',
      { email: 'late@example.test', password: PASSWORD },
      address,
    );
    expect(register.status).toBe(429);
    // Another address has its own count.
    expect((await login(gateway, 'nobody@example.test', WRONG, newAddress())).status).toBe(401);
  });

  it('counts the peer, not what it claims in X-Forwarded-For, unless the peer is a trusted proxy', async () => {
    const direct = await startTestGateway({ ...LENIENT, AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: 3 });
    gateways.push(direct);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await login(direct, `spoof-${i}@example.test`, WRONG, newAddress())).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('blocks an account from one address after its free failures, for 1 s, then 2 s, while other addresses get in', async () => {
    const gateway = await gatewayWith({ AUTH_FAILURES_BEFORE_BACKOFF: 3 });
    const user = await registerUser(gateway.baseUrl);
    const guesser = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(gateway, user.email, WRONG, guesser)).status);
    // 3 free failures, the 4th fails too and earns a 1 s block.
    expect(statuses).toEqual([401, 401, 401, 401]);
    const blocked = await login(gateway, user.email, PASSWORD, guesser);
    expect(blocked.status).toBe(429);
    expect(blocked.retryAfter).toBe(1);
    expect(blocked.body).toMatchObject({ rateLimit: 'failures-per-address-and-account' });

    // The owner, elsewhere, is not locked out.
    expect((await login(gateway, user.email, PASSWORD, newAddress())).status).toBe(200);

    // The next failure from the guessing address doubles the block.
    expect((await failOnceUnblocked(gateway, user.email, guesser)).status).toBe(401);
    const longer = await login(gateway, user.email, WRONG, guesser);
    expect(longer.status).toBe(429);
    expect(longer.retryAfter).toBe(2);
  });

  it('slows guessing spread over many addresses down per account, whether or not the account exists', async () => {
    const gateway = await gatewayWith({ AUTH_ACCOUNT_FAILURES_BEFORE_BACKOFF: 4 });
    const user = await registerUser(gateway.baseUrl);
    for (const email of [user.email, `no-such-account-${Date.now()}@example.test`]) {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await login(gateway, email, WRONG, newAddress())).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      const refused = await login(gateway, email, PASSWORD, newAddress());
      expect(refused.status).toBe(429);
      expect(refused.retryAfter).toBe(1);
      expect(refused.body).toMatchObject({ rateLimit: 'failures-per-account' });
    }
  });

  it('refuses an address that failed N times in a day, whichever accounts it tried', async () => {
    const gateway = await gatewayWith({ AUTH_FAILURES_PER_DAY_PER_ADDRESS: 3 });
    const user = await registerUser(gateway.baseUrl);
    const address = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await login(gateway, `victim-${i}@example.test`, WRONG, address)).status);
    }
    expect(statuses).toEqual([401, 401, 401]);
    const refused = await login(gateway, user.email, PASSWORD, address);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBeGreaterThan(23 * 3600);
    expect(refused.body).toMatchObject({ rateLimit: 'failures-per-address' });
    expect((await login(gateway, user.email, PASSWORD, newAddress())).status).toBe(200);
  });

  it('a success clears the failures in a row', async () => {
    const gateway = await gatewayWith({ AUTH_FAILURES_BEFORE_BACKOFF: 2 });
    const user = await registerUser(gateway.baseUrl);
    const address = newAddress();
    for (let round = 0; round < 3; round++) {
      expect((await login(gateway, user.email, WRONG, address)).status).toBe(401);
      expect((await login(gateway, user.email, WRONG, address)).status).toBe(401);
      expect((await login(gateway, user.email, PASSWORD, address)).status).toBe(200);
    }
  });

  it('answers 503 with Retry-After, not a pile-up, when more sign-ins arrive than hashing slots and queue hold', async () => {
    const gateway = await gatewayWith({
      PASSWORD_HASH_CONCURRENCY: 1,
      PASSWORD_HASH_QUEUE_LIMIT: 1,
      // Slow enough per hash that a burst overlaps it.
      PASSWORD_SCRYPT_N: 16_384,
    });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(gateway, `burst-${i}@example.test`, WRONG, newAddress())),
    );
    const busy = answers.filter((a) => a.status === 503);
    expect(answers.every((a) => a.status === 401 || a.status === 503)).toBe(true);
    expect(busy.length).toBeGreaterThan(0);
    for (const answer of busy) {
      expect(answer.retryAfter).toBe(1);
      expect(answer.body).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    }
  });
});
