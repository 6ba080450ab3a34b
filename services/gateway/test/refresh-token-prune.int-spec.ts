import { Client } from 'pg';
import { waitFor } from '@conduit/testing';
import { RefreshTokenPruner } from '../src/identity/sessions/refresh-token-pruner.service';
import { PRUNE_LOCK_NAME } from '../src/identity/sessions/refresh-token.repository';
import {
  registerUser,
  startTestGateway,
  startTestGatewayReplica,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';

describe('refresh token pruning', () => {
  let gateway: TestGateway;
  let db: Client;

  beforeAll(async () => {
    gateway = await startTestGateway({
      REFRESH_TOKEN_PRUNE_INTERVAL_MS: 0,
      REFRESH_TOKEN_PRUNE_BATCH_SIZE: 50,
    });
    db = new Client({ connectionString: gateway.config.DATABASE_URL });
    await db.connect();
    await db.query(`SET search_path TO "${gateway.config.DATABASE_SCHEMA}"`);
  });

  afterAll(async () => {
    await db?.end();
    await gateway?.close();
  });

  const auth = (path: string, body: unknown) =>
    fetch(`${gateway.baseUrl}/api/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const refresh = async (token: string) => {
    const response = await auth('refresh', { refreshToken: token });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  };
  const tokensOf = async (user: RegisteredUser) =>
    Number(
      (await db.query('SELECT count(*) FROM refresh_tokens WHERE user_id = $1', [user.userId])).rows[0].count,
    );
  const allTokens = async () => Number((await db.query('SELECT count(*) FROM refresh_tokens')).rows[0].count);
  const expireTokensOf = (user: RegisteredUser, where = 'TRUE') =>
    db.query(
      `UPDATE refresh_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = $1 AND ${where}`,
      [user.userId],
    );

  it('deletes expired tokens and revoked families in batches, keeps live sessions working, and only under its lock', async () => {
    // A live session that rotated once: its spent first token has since expired.
    const active = await registerUser(gateway.baseUrl);
    const rotated = await refresh(active.refreshToken);
    expect(rotated.status).toBe(200);
    await expireTokensOf(active, 'used_at IS NOT NULL');
    // A session ended by logout: its family is revoked.
    const loggedOut = await registerUser(gateway.baseUrl);
    expect((await auth('logout', { refreshToken: loggedOut.refreshToken })).status).toBe(204);
    // A session nobody refreshed in time.
    const lapsed = await registerUser(gateway.baseUrl);
    await expireTokensOf(lapsed);
    // A backlog several batches long: 230 expired tokens in one old family.
    await db.query(
      `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
       SELECT gen_random_uuid(), $1, gen_random_uuid(), 'old-' || n, now() - interval '1 day'
       FROM generate_series(1, 230) AS n`,
      [lapsed.userId],
    );
    expect(await allTokens()).toBe(2 + 1 + 1 + 230);

    const pruner = gateway.app.get(RefreshTokenPruner);
    // Another replica at work (holding the lock): this one leaves it alone.
    const other = new Client({ connectionString: gateway.config.DATABASE_URL });
    await other.connect();
    try {
      await other.query(`SET search_path TO "${gateway.config.DATABASE_SCHEMA}"`);
      await other.query('SELECT pg_advisory_lock(hashtext(current_schema() || $1))', [PRUNE_LOCK_NAME]);
      expect(await pruner.pruneNow()).toEqual({ deleted: 0, skipped: true });
      expect(await allTokens()).toBe(234);
    } finally {
      await other.end();
    }

    expect(await pruner.pruneNow()).toEqual({ deleted: 1 + 1 + 1 + 230, skipped: false });
    expect(await tokensOf(active)).toBe(1);
    expect(await tokensOf(loggedOut)).toBe(0);
    expect(await tokensOf(lapsed)).toBe(0);

    const next = await refresh(rotated.body.refreshToken);
    expect(next.status).toBe(200);
    expect((await refresh(loggedOut.refreshToken)).status).toBe(401);
    expect((await refresh(lapsed.refreshToken)).status).toBe(401);
    // The spent token is gone but still refused; the family it belonged to lives on.
    expect((await refresh(active.refreshToken)).status).toBe(401);
    expect((await refresh(next.body.refreshToken)).status).toBe(200);
    expect(await pruner.pruneNow()).toEqual({ deleted: 0, skipped: false });
  });

  it('prunes on its own every REFRESH_TOKEN_PRUNE_INTERVAL_MS', async () => {
    const user = await registerUser(gateway.baseUrl);
    expect((await auth('logout', { refreshToken: user.refreshToken })).status).toBe(204);
    expect(await tokensOf(user)).toBe(1);
    const replica = await startTestGatewayReplica(gateway, { REFRESH_TOKEN_PRUNE_INTERVAL_MS: 100 });
    try {
      await waitFor(async () => (await tokensOf(user)) === 0, 'the logged-out token to be pruned');
    } finally {
      await replica.close();
    }
  });
});
