import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { Pool } from 'pg';
import {
  AgentsConnectorsContract,
  AgentsContract,
  ErrorCode,
  type AuthorizationStart,
  type Connection,
  type ConnectorProvider,
} from '@conduit/contracts';
import {
  startFakeGitHub,
  startFakeGoogleCalendar,
  testEnv,
  waitFor,
  type FakeGitHubServer,
  type FakeGoogleCalendarServer,
  type FakeOAuthUser,
} from '@conduit/testing';
import { ConnectorTools } from '../src/connectors/connector-tools';
import type { AgentTool, ToolContext } from '../src/tools/agent-tool';
import { startAgentsTestApp, type AgentsTestApp } from './support/agents-test-app';

const REDIRECT = 'http://127.0.0.1:9/app/connectors/{provider}/callback';
const alice = { userId: 'user-alice' };
const bob = { userId: 'user-bob' };
const aliceAtGoogle: FakeOAuthUser = { id: 'g-1', login: 'alice', email: 'alice@example.test' };
const bobAtGoogle: FakeOAuthUser = { id: 'g-2', login: 'bob', email: 'bob@example.test' };
const aliceAtGitHub: FakeOAuthUser = { id: '5001', login: 'octo-alice', email: 'alice@example.test' };

/** Connectors against local servers speaking Google's and GitHub's OAuth 2.0 and APIs. */
describe('connectors', () => {
  let service: AgentsTestApp;
  let google: FakeGoogleCalendarServer;
  let github: FakeGitHubServer;
  let pool: Pool;
  let redis: Redis;
  let redisPrefix: string;

  beforeAll(async () => {
    google = await startFakeGoogleCalendar({ clientId: 'google-client', clientSecret: 'google-secret' });
    github = await startFakeGitHub({ clientId: 'github-client', clientSecret: 'github-secret' });
    service = await startAgentsTestApp(
      {
        CONNECTORS_REDIRECT_URL: REDIRECT,
        CONNECTOR_GOOGLE_CLIENT_ID: 'google-client',
        CONNECTOR_GOOGLE_CLIENT_SECRET: 'google-secret',
        CONNECTOR_GOOGLE_AUTHORIZATION_URL: google.endpoints.authorizationUrl,
        CONNECTOR_GOOGLE_TOKEN_URL: google.endpoints.tokenUrl,
        CONNECTOR_GOOGLE_REVOCATION_URL: google.endpoints.revocationUrl,
        CONNECTOR_GOOGLE_CALENDAR_API_BASE_URL: google.endpoints.calendarApiBaseUrl,
        CONNECTOR_GITHUB_CLIENT_ID: 'github-client',
        CONNECTOR_GITHUB_CLIENT_SECRET: 'github-secret',
        CONNECTOR_GITHUB_OAUTH_BASE_URL: github.oauthBaseUrl,
        CONNECTOR_GITHUB_API_BASE_URL: github.apiBaseUrl,
      },
      'connectors',
      { withUsage: true },
    );
    pool = new Pool({
      connectionString: testEnv().databaseUrl,
      options: `-c search_path="${service.schema}"`,
    });
    redis = new Redis(testEnv().redisUrl);
    redisPrefix = service.redisKeyPrefix;
  });

  afterAll(async () => {
    await service?.close();
    await pool?.end();
    redis?.disconnect();
    await google?.close();
    await github?.close();
  });

  const authorize = (provider: ConnectorProvider, caller = alice) =>
    service.bus.request(AgentsConnectorsContract.authorize, { provider }, caller);

  /** The browser's part: the provider's page approves at once and redirects back with code and state. */
  async function approve(start: AuthorizationStart): Promise<{ code: string; state: string; url: URL }> {
    const response = await fetch(start.authorizationUrl, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const url = new URL(response.headers.get('location')!);
    return { code: url.searchParams.get('code')!, state: url.searchParams.get('state')!, url };
  }

  async function connect(provider: ConnectorProvider, caller = alice): Promise<Connection> {
    const { code, state } = await approve(await authorize(provider, caller));
    return service.bus.request(
      AgentsConnectorsContract.completeAuthorization,
      { provider, code, state },
      caller,
    );
  }

  const toolsOf = async (caller: { userId: string }, connections: string[]) =>
    service.app
      .get(ConnectorTools)
      .toolsFor(
        caller.userId,
        { tools: [], mcpServers: [], connectors: connections },
        new AbortController().signal,
      );

  const run = (tool: AgentTool | undefined, input: unknown, userId = alice.userId) => {
    if (!tool) throw new Error('no such tool');
    const context: ToolContext = {
      userId,
      agentId: 'agent-1',
      runId: 'run-1',
      callId: 'call-1',
      signal: new AbortController().signal,
    };
    return tool.run(tool.input.parse(input), context);
  };

  const byName = (tools: readonly AgentTool[], name: string) => tools.find((tool) => tool.name === name);

  it('lists both providers as configured, with their scopes and tools', async () => {
    const list = await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice);
    expect(list.providers).toEqual([
      expect.objectContaining({
        id: 'google-calendar',
        configured: true,
        tools: ['google_calendar_list_events', 'google_calendar_create_event'],
      }),
      expect.objectContaining({
        id: 'github',
        configured: true,
        tools: ['github_list_issues', 'github_create_issue'],
      }),
    ]);
    expect(list.connections).toEqual([]);
  });

  it('connects Google Calendar with PKCE S256 and a single-use state, and its tools use the account', async () => {
    google.oauth.signInAs(aliceAtGoogle);
    const start = await authorize('google-calendar');
    const asked = new URL(start.authorizationUrl);
    expect(asked.origin + asked.pathname).toBe(google.endpoints.authorizationUrl);
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'google-client',
      redirect_uri: 'http://127.0.0.1:9/app/connectors/google-calendar/callback',
      code_challenge_method: 'S256',
      access_type: 'offline',
      state: start.state,
    });
    expect(asked.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { code, state, url } = await approve(start);
    expect(url.pathname).toBe('/app/connectors/google-calendar/callback');
    const connection = await service.bus.request(
      AgentsConnectorsContract.completeAuthorization,
      { provider: 'google-calendar', code, state },
      alice,
    );
    expect(connection).toMatchObject({
      provider: 'google-calendar',
      account: 'alice@example.test',
      status: 'active',
    });
    expect(connection.scopes).toContain('https://www.googleapis.com/auth/calendar.events');

    // The same state (and code) a second time: refused, nothing is exchanged again.
    const grants = google.oauth.counts.codeGrants;
    await expect(
      service.bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'google-calendar', code, state },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    expect(google.oauth.counts.codeGrants).toBe(grants);

    const tools = await toolsOf(alice, [connection.id]);
    expect(tools.map((tool) => tool.name)).toEqual([
      'google_calendar_list_events',
      'google_calendar_create_event',
    ]);
    const created = await run(byName(tools, 'google_calendar_create_event'), {
      summary: 'Dentist',
      start: '2099-03-01T09:00:00Z',
      end: '2099-03-01T09:30:00Z',
      location: 'Main street',
    });
    expect(created).toMatchObject({
      ok: true,
      output: { summary: 'Dentist', start: '2099-03-01T09:00:00Z' },
    });
    expect(google.events.get('alice@example.test')).toHaveLength(1);
    await expect(run(byName(tools, 'google_calendar_list_events'), {})).resolves.toMatchObject({
      ok: true,
      output: { events: [{ summary: 'Dentist', location: 'Main street' }] },
    });
  });

  it('keeps tokens only encrypted in the database', async () => {
    const { rows } = await pool.query<Record<string, unknown>>(`SELECT * FROM connections`);
    expect(rows.length).toBeGreaterThan(0);
    const stored =
      JSON.stringify(rows) +
      rows
        .map((row) =>
          Object.values(row)
            .map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : ''))
            .join(''),
        )
        .join('');
    const issued = google.oauth.issuedTokens();
    expect(issued.length).toBeGreaterThan(0);
    for (const token of issued) expect(stored).not.toContain(token);
    for (const row of rows) {
      expect(Buffer.isBuffer(row['access_token'])).toBe(true);
      expect((row['access_token'] as Buffer)[0]).toBe(1); // the sealed format's version byte
    }
  });

  it('refreshes an access token about to expire before using it, once for concurrent calls', async () => {
    const [connection] = (await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice))
      .connections;
    const tools = await toolsOf(alice, [connection!.id]);
    await pool.query(`UPDATE connections SET access_expires_at = now() - interval '1 minute' WHERE id = $1`, [
      connection!.id,
    ]);
    const refreshes = google.oauth.counts.refreshGrants;
    const unauthorized = google.unauthorizedCalls();
    const results = await Promise.all(
      [1, 2, 3].map(() => run(byName(tools, 'google_calendar_list_events'), {})),
    );
    for (const result of results) expect(result).toMatchObject({ ok: true });
    expect(google.oauth.counts.refreshGrants).toBe(refreshes + 1);
    expect(google.unauthorizedCalls()).toBe(unauthorized);
    const { rows } = await pool.query<{ expires: Date }>(
      `SELECT access_expires_at AS expires FROM connections WHERE id = $1`,
      [connection!.id],
    );
    expect(rows[0]!.expires.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
  });

  it('refreshes once and retries when the API answers 401 for a token it no longer takes', async () => {
    const [connection] = (await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice))
      .connections;
    const tools = await toolsOf(alice, [connection!.id]);
    google.oauth.expireAccessTokens();
    const refreshes = google.oauth.counts.refreshGrants;
    const unauthorized = google.unauthorizedCalls();
    await expect(run(byName(tools, 'google_calendar_list_events'), {})).resolves.toMatchObject({ ok: true });
    expect(google.unauthorizedCalls()).toBe(unauthorized + 1);
    expect(google.oauth.counts.refreshGrants).toBe(refreshes + 1);
  });

  it('marks a revoked grant for reauthorization, and connecting again restores the same connection', async () => {
    const [connection] = (await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice))
      .connections;
    const tools = await toolsOf(alice, [connection!.id]);
    google.oauth.revokeUser(aliceAtGoogle);
    const answer = await run(byName(tools, 'google_calendar_list_events'), {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'CONNECTION_NEEDS_REAUTHORIZATION' } });
    const listed = await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice);
    expect(listed.connections).toEqual([
      expect.objectContaining({ id: connection!.id, status: 'needs_reauthorization' }),
    ]);
    // No further refresh attempts while it waits for the user.
    const refreshes = google.oauth.counts.refreshGrants;
    await expect(run(byName(tools, 'google_calendar_list_events'), {})).resolves.toMatchObject({ ok: false });
    expect(google.oauth.counts.refreshGrants).toBe(refreshes);

    const again = await connect('google-calendar');
    expect(again).toMatchObject({ id: connection!.id, status: 'active' });
    await expect(run(byName(tools, 'google_calendar_list_events'), {})).resolves.toMatchObject({ ok: true });
  });

  it('refuses a state that expired, one of another user, and one of another provider', async () => {
    // Expired: Redis dropped it (CONNECTORS_STATE_TTL_MS).
    const expired = await approve(await authorize('google-calendar'));
    const key = `${redisPrefix}agents:connector-state:${createHash('sha256').update(expired.state).digest('base64url')}`;
    expect(await redis.pexpire(key, 1)).toBe(1);
    await waitFor(async () => (await redis.exists(key)) === 0, 'the state key expired');
    await expect(
      service.bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'google-calendar', ...pick(expired) },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });

    // Alice's state presented by Bob: refused, and spent (Alice cannot use it after that either).
    const stolen = await approve(await authorize('google-calendar'));
    await expect(
      service.bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'google-calendar', ...pick(stolen) },
        bob,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(
      service.bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'google-calendar', ...pick(stolen) },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    expect((await service.bus.request(AgentsConnectorsContract.listConnectors, {}, bob)).connections).toEqual(
      [],
    );

    // A Google state finishing a GitHub flow.
    const crossed = await approve(await authorize('google-calendar'));
    await expect(
      service.bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'github', ...pick(crossed) },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });

  it("fails at the provider when the code is presented with another flow's PKCE verifier", async () => {
    const first = await approve(await authorize('google-calendar'));
    const second = await authorize('google-calendar');
    const rejected = google.oauth.counts.rejectedGrants;
    const answer = service.bus.request(
      AgentsConnectorsContract.completeAuthorization,
      { provider: 'google-calendar', code: first.code, state: second.state },
      alice,
    );
    await expect(answer).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
      details: { providerError: 'invalid_grant' },
    });
    expect(google.oauth.counts.rejectedGrants).toBe(rejected + 1);
  });

  it('reports a declined authorization as a typed error', async () => {
    google.oauth.declineNextAuthorization();
    const { url } = await approve(await authorize('google-calendar'));
    expect(url.searchParams.get('error')).toBe('access_denied');
    await expect(
      service.bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'google-calendar', state: url.searchParams.get('state')!, error: 'access_denied' },
        alice,
      ),
    ).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
      details: { providerError: 'access_denied' },
    });
  });

  it('connects GitHub (errors in 200 bodies, tokens that do not expire) and its tools work', async () => {
    github.oauth.signInAs(aliceAtGitHub);
    const start = await authorize('github');
    const { code, state } = await approve(start);
    const connection = await service.bus.request(
      AgentsConnectorsContract.completeAuthorization,
      { provider: 'github', code, state },
      alice,
    );
    expect(connection).toMatchObject({
      provider: 'github',
      account: 'octo-alice',
      scopes: ['repo', 'read:user'],
    });

    // A code used twice: GitHub answers 200 with bad_verification_code.
    const second = await approve(await authorize('github'));
    await service.bus.request(
      AgentsConnectorsContract.completeAuthorization,
      { provider: 'github', ...pick(second) },
      alice,
    );
    const replay = await authorize('github');
    await expect(
      service.bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'github', code: second.code, state: replay.state },
        alice,
      ),
    ).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
      details: { providerError: 'bad_verification_code' },
    });

    const tools = await toolsOf(alice, [connection.id]);
    const created = await run(byName(tools, 'github_create_issue'), {
      repository: 'acme/widgets',
      title: 'Fix the build',
    });
    expect(created).toMatchObject({ ok: true, output: { number: 1, title: 'Fix the build' } });
    await expect(run(byName(tools, 'github_list_issues'), {})).resolves.toMatchObject({
      ok: true,
      output: { issues: [{ title: 'Fix the build', repository: 'acme/widgets' }] },
    });
    await expect(
      run(byName(tools, 'github_create_issue'), { repository: 'private/repo', title: 'x' }),
    ).resolves.toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    // An agent allowed this connection gets its tools in a run.
    const agent = await service.bus.request(
      AgentsContract.createAgent,
      { name: 'triage', connectors: [connection.id] },
      alice,
    );
    const streamId = crypto.randomUUID();
    const stream = service.bus.openStream(AgentsContract.runStream, streamId);
    await service.bus.request(
      AgentsContract.startRun,
      {
        streamId,
        agentId: agent.id,
        input: 'call github_create_issue {"repository":"acme/gadgets","title":"Filed by a run"}',
      },
      alice,
    );
    const events = await stream.collect();
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'tool.result', name: 'github_create_issue', ok: true }),
    );
    expect(github.issues.map((issue) => issue.title)).toContain('Filed by a run');

    for (const repository of ['../etc', 'acme/..', 'acme/.', 'a/b/c', 'acme']) {
      expect(() => byName(tools, 'github_create_issue')!.input.parse({ repository, title: 'x' })).toThrow();
    }
  });

  it("keeps users apart: Bob cannot see, use or revoke Alice's connections", async () => {
    google.oauth.signInAs(bobAtGoogle);
    const bobs = await connect('google-calendar', bob);
    const alices = (await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice))
      .connections;
    const bobsList = await service.bus.request(AgentsConnectorsContract.listConnectors, {}, bob);
    expect(bobsList.connections.map((c) => c.id)).toEqual([bobs.id]);
    for (const connection of alices) {
      expect(bobsList.connections.map((c) => c.id)).not.toContain(connection.id);
      await expect(
        service.bus.request(AgentsConnectorsContract.deleteConnection, { connectionId: connection.id }, bob),
      ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    }
    // Bob's agent naming Alice's connections gets no tools for them.
    const bobsTools = await toolsOf(bob, [...alices.map((c) => c.id), bobs.id]);
    expect(bobsTools.map((tool) => tool.name)).toEqual([
      'google_calendar_list_events',
      'google_calendar_create_event',
    ]);
    await run(byName(bobsTools, 'google_calendar_create_event'), {
      summary: 'Bob only',
      start: '2099-01-01T10:00:00Z',
      end: '2099-01-01T11:00:00Z',
    });
    expect(google.events.get('alice@example.test')!.map((event) => event.summary)).not.toContain('Bob only');
    // A tool of Alice's run handed a context of Bob's refuses.
    const alicesTools = await toolsOf(
      alice,
      alices.map((c) => c.id),
    );
    await expect(run(alicesTools[0], {}, bob.userId)).resolves.toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(
      (await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice)).connections,
    ).toHaveLength(alices.length);
  });

  it('names the tools of two accounts of one provider apart', async () => {
    google.oauth.signInAs({ id: 'g-3', login: 'alice-work', email: 'alice@work.example.test' });
    const work = await connect('google-calendar');
    expect(work.account).toBe('alice@work.example.test');
    const personal = (
      await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice)
    ).connections.find((c) => c.provider === 'google-calendar' && c.id !== work.id)!;
    const names = (await toolsOf(alice, [personal.id, work.id])).map((tool) => tool.name);
    expect(names).toEqual([
      `google_calendar_list_events_${personal.id.slice(0, 8)}`,
      `google_calendar_create_event_${personal.id.slice(0, 8)}`,
      `google_calendar_list_events_${work.id.slice(0, 8)}`,
      `google_calendar_create_event_${work.id.slice(0, 8)}`,
    ]);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    await service.bus.request(AgentsConnectorsContract.deleteConnection, { connectionId: work.id }, alice);
  });

  it('revokes at the provider and deletes locally (Google: RFC 7009; GitHub: its grant API)', async () => {
    const connections = (await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice))
      .connections;
    const googleConnection = connections.find((c) => c.provider === 'google-calendar')!;
    const githubConnection = connections.find((c) => c.provider === 'github')!;
    const googleTools = await toolsOf(alice, [googleConnection.id]);

    expect(google.oauth.liveTokensOf(aliceAtGoogle)).toBeGreaterThan(0);
    const revocations = google.oauth.counts.revocations;
    await expect(
      service.bus.request(
        AgentsConnectorsContract.deleteConnection,
        { connectionId: googleConnection.id },
        alice,
      ),
    ).resolves.toEqual({ connectionId: googleConnection.id, deleted: true, revokedAtProvider: true });
    expect(google.oauth.counts.revocations).toBe(revocations + 1);
    expect(google.oauth.liveTokensOf(aliceAtGoogle)).toBe(0);
    await expect(run(byName(googleTools, 'google_calendar_list_events'), {})).resolves.toMatchObject({
      ok: false,
      error: { code: ErrorCode.NotFound },
    });

    await expect(
      service.bus.request(
        AgentsConnectorsContract.deleteConnection,
        { connectionId: githubConnection.id },
        alice,
      ),
    ).resolves.toMatchObject({ revokedAtProvider: true });
    expect(github.revokedGrants()).toBe(1);
    expect(github.oauth.liveTokensOf(aliceAtGitHub)).toBe(0);
    await expect(
      service.bus.request(
        AgentsConnectorsContract.deleteConnection,
        { connectionId: githubConnection.id },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const { rows } = await pool.query(`SELECT 1 FROM connections WHERE user_id = $1`, [alice.userId]);
    expect(rows).toHaveLength(0);
  });

  it('answers bad input on every handler with a typed error and keeps serving', async () => {
    const refused = (request: Promise<unknown>, code: string) =>
      expect(request).rejects.toMatchObject({ code });
    const bus = service.bus;
    await refused(
      bus.request(AgentsConnectorsContract.listConnectors, { extra: 1 } as never, alice),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsConnectorsContract.listConnectors, {}, { userId: null }),
      ErrorCode.Unauthenticated,
    );
    await refused(
      bus.request(AgentsConnectorsContract.authorize, { provider: 'dropbox' } as never, alice),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsConnectorsContract.authorize, {} as never, alice),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsConnectorsContract.authorize, { provider: 'github' }, { userId: null }),
      ErrorCode.Unauthenticated,
    );
    await refused(
      bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'github', code: 'x' } as never,
        alice,
      ),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'github', state: 's', code: 'x'.repeat(5000) },
        alice,
      ),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'github', state: 'never-issued', code: 'c' },
        alice,
      ),
      ErrorCode.ValidationFailed,
    );
    const start = await authorize('github');
    await refused(
      bus.request(
        AgentsConnectorsContract.completeAuthorization,
        { provider: 'github', state: start.state },
        alice,
      ),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsConnectorsContract.deleteConnection, { connectionId: 'not-a-uuid' }, alice),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsConnectorsContract.deleteConnection, { connectionId: crypto.randomUUID() }, alice),
      ErrorCode.NotFound,
    );
    await expect(bus.request(AgentsConnectorsContract.listConnectors, {}, alice)).resolves.toMatchObject({
      providers: expect.any(Array),
    });
  });
});

const pick = (flow: { code: string; state: string }) => ({ code: flow.code, state: flow.state });
