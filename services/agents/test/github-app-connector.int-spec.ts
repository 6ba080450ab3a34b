import { AgentsConnectorsContract, type Connection } from '@conduit/contracts';
import { startFakeGitHub, testEnv, type FakeGitHubServer, type FakeOAuthUser } from '@conduit/testing';
import { Pool } from 'pg';
import { ConnectorTools } from '../src/connectors/connector-tools';
import type { AgentTool } from '../src/tools/agent-tool';
import { startAgentsTestApp, type AgentsTestApp } from './support/agents-test-app';

const alice = { userId: 'user-alice' };
const aliceAtGitHub: FakeOAuthUser = { id: '7001', login: 'octo-alice', email: 'alice@example.test' };

/**
 * GitHub app user tokens: they expire, come with a refresh token that is rotated on every refresh, and
 * GitHub answers a refused refresh with 200 and `bad_refresh_token` in the body.
 */
describe('GitHub connector with expiring user tokens', () => {
  let service: AgentsTestApp;
  let github: FakeGitHubServer;
  let pool: Pool;
  let connection: Connection;
  let tools: readonly AgentTool[];

  beforeAll(async () => {
    github = await startFakeGitHub({
      clientId: 'app-client',
      clientSecret: 'app-secret',
      expiringTokens: true,
    });
    github.oauth.signInAs(aliceAtGitHub);
    service = await startAgentsTestApp(
      {
        CONNECTORS_REDIRECT_URL: 'http://127.0.0.1:9/cb/{provider}',
        CONNECTOR_GITHUB_CLIENT_ID: 'app-client',
        CONNECTOR_GITHUB_CLIENT_SECRET: 'app-secret',
        CONNECTOR_GITHUB_OAUTH_BASE_URL: github.oauthBaseUrl,
        CONNECTOR_GITHUB_API_BASE_URL: github.apiBaseUrl,
      },
      'github-app',
    );
    pool = new Pool({
      connectionString: testEnv().databaseUrl,
      options: `-c search_path="${service.schema}"`,
    });
    const start = await service.bus.request(
      AgentsConnectorsContract.authorize,
      { provider: 'github' },
      alice,
    );
    const back = new URL(
      (await fetch(start.authorizationUrl, { redirect: 'manual' })).headers.get('location')!,
    );
    connection = await service.bus.request(
      AgentsConnectorsContract.completeAuthorization,
      { provider: 'github', code: back.searchParams.get('code')!, state: back.searchParams.get('state')! },
      alice,
    );
    tools = await service.app
      .get(ConnectorTools)
      .toolsFor(
        alice.userId,
        { tools: [], mcpServers: [], connectors: [connection.id] },
        new AbortController().signal,
      );
  });

  afterAll(async () => {
    await service?.close();
    await pool?.end();
    await github?.close();
  });

  const listIssues = () =>
    tools
      .find((tool) => tool.name === 'github_list_issues')!
      .run(
        { state: 'open', limit: 10 },
        { userId: alice.userId, agentId: 'a', runId: 'r', callId: 'c', signal: new AbortController().signal },
      );

  const refreshTokenInDb = async () =>
    (
      await pool.query<{ refresh: Buffer }>(
        `SELECT refresh_token AS refresh FROM connections WHERE id = $1`,
        [connection.id],
      )
    ).rows[0]!.refresh;

  it('refreshes before expiry and keeps the rotated refresh token', async () => {
    const before = await refreshTokenInDb();
    await pool.query(`UPDATE connections SET access_expires_at = now() WHERE id = $1`, [connection.id]);
    const refreshes = github.oauth.counts.refreshGrants;
    await expect(listIssues()).resolves.toMatchObject({ ok: true, output: { issues: [] } });
    expect(github.oauth.counts.refreshGrants).toBe(refreshes + 1);
    expect((await refreshTokenInDb()).equals(before)).toBe(false);

    // The rotated token works for the next refresh (the first one is spent at GitHub).
    await pool.query(`UPDATE connections SET access_expires_at = now() WHERE id = $1`, [connection.id]);
    await expect(listIssues()).resolves.toMatchObject({ ok: true });
    expect(github.oauth.counts.refreshGrants).toBe(refreshes + 2);
  });

  it('turns a refresh GitHub refuses with 200 bad_refresh_token into needs_reauthorization', async () => {
    github.oauth.revokeUser(aliceAtGitHub);
    await expect(listIssues()).resolves.toMatchObject({
      ok: false,
      error: { code: 'CONNECTION_NEEDS_REAUTHORIZATION' },
    });
    const list = await service.bus.request(AgentsConnectorsContract.listConnectors, {}, alice);
    expect(list.connections).toEqual([
      expect.objectContaining({ id: connection.id, status: 'needs_reauthorization' }),
    ]);
  });
});
