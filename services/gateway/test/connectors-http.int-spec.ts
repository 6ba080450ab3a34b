import {
  startFakeGoogleCalendar,
  type FakeGoogleCalendarServer,
  type ServiceProcess,
} from '@conduit/testing';
import {
  registerUser,
  startTestGateway,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { startAgentsProcess } from './support/agents-platform';
import { api, json } from './support/platform';

/**
 * Connectors end to end: the gateway in-process, the agents service as its own process (built `dist/`),
 * Google's OAuth 2.0 and Calendar API as a local server; GitHub is left unconfigured.
 */
describe('connectors over HTTP', () => {
  let gateway: TestGateway;
  let agents: ServiceProcess;
  let google: FakeGoogleCalendarServer;
  let drop: () => Promise<void>;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => api(gateway.baseUrl, user.accessToken);

  beforeAll(async () => {
    google = await startFakeGoogleCalendar({ clientId: 'google-client', clientSecret: 'google-secret' });
    gateway = await startTestGateway();
    ({ agents, drop } = await startAgentsProcess(gateway, {
      CONNECTORS_REDIRECT_URL: `${gateway.baseUrl}/api/v1/connectors/{provider}/callback`,
      CONNECTOR_GOOGLE_CLIENT_ID: 'google-client',
      CONNECTOR_GOOGLE_CLIENT_SECRET: 'google-secret',
      CONNECTOR_GOOGLE_AUTHORIZATION_URL: google.endpoints.authorizationUrl,
      CONNECTOR_GOOGLE_TOKEN_URL: google.endpoints.tokenUrl,
      CONNECTOR_GOOGLE_REVOCATION_URL: google.endpoints.revocationUrl,
      CONNECTOR_GOOGLE_CALENDAR_API_BASE_URL: google.endpoints.calendarApiBaseUrl,
    }));
    [alice, bob] = await Promise.all([registerUser(gateway.baseUrl), registerUser(gateway.baseUrl)]);
  });

  afterAll(async () => {
    await agents?.stop(5_000);
    await gateway?.close();
    await drop?.();
    await google?.close();
  });

  /** Authorize, let the provider approve, and answer with where it sent the browser back. */
  async function startAndApprove(user: RegisteredUser): Promise<URL> {
    const started = await as(user)('/api/v1/connectors/google-calendar/authorize', { method: 'POST' });
    expect(started.status).toBe(201);
    const { authorizationUrl } = await json(started);
    const approved = await fetch(authorizationUrl, { redirect: 'manual' });
    expect(approved.status).toBe(302);
    return new URL(approved.headers.get('location')!);
  }

  it('connects Google Calendar through the gateway, lists and disconnects it', async () => {
    const listed = await json(await as(alice)('/api/v1/connectors'));
    expect(listed.providers).toEqual([
      expect.objectContaining({ id: 'google-calendar', configured: true }),
      expect.objectContaining({ id: 'github', configured: false }),
    ]);

    const back = await startAndApprove(alice);
    expect(back.origin + back.pathname).toBe(`${gateway.baseUrl}/api/v1/connectors/google-calendar/callback`);
    const finished = await as(alice)(back.pathname + back.search);
    expect(finished.status).toBe(200);
    const connection = await json(finished);
    expect(connection).toMatchObject({
      provider: 'google-calendar',
      account: 'alice@example.test',
      status: 'active',
    });
    expect(JSON.stringify(connection)).not.toMatch(/ya29\./);

    // The same callback again: the state is spent.
    expect((await as(alice)(back.pathname + back.search)).status).toBe(400);

    const mine = await json(await as(alice)('/api/v1/connectors'));
    expect(mine.connections).toEqual([expect.objectContaining({ id: connection.id })]);
    expect((await json(await as(bob)('/api/v1/connectors'))).connections).toEqual([]);

    expect((await as(bob)(`/api/v1/connectors/${connection.id}`, { method: 'DELETE' })).status).toBe(404);
    const revocations = google.oauth.counts.revocations;
    expect((await as(alice)(`/api/v1/connectors/${connection.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(google.oauth.counts.revocations).toBe(revocations + 1);
    expect((await json(await as(alice)('/api/v1/connectors'))).connections).toEqual([]);
  });

  it("refuses a callback with another user's state", async () => {
    const back = await startAndApprove(alice);
    expect((await as(bob)(back.pathname + back.search)).status).toBe(400);
    expect((await json(await as(bob)('/api/v1/connectors'))).connections).toEqual([]);
  });

  it('answers bad input with 4xx problems and needs credentials', async () => {
    const status = async (response: Promise<Response>) => (await response).status;
    const base = '/api/v1/connectors';
    expect(await status(as(alice)(`${base}/dropbox/authorize`, { method: 'POST' }))).toBe(400);
    // Known but without client credentials here.
    expect(await status(as(alice)(`${base}/github/authorize`, { method: 'POST' }))).toBe(404);
    expect(await status(as(alice)(`${base}/google-calendar/callback`))).toBe(400);
    expect(await status(as(alice)(`${base}/google-calendar/callback?state=unknown&code=x`))).toBe(400);
    expect(await status(as(alice)(`${base}/google-calendar/callback?state=${'s'.repeat(600)}&code=x`))).toBe(
      400,
    );
    expect(await status(as(alice)(`${base}/dropbox/callback?state=s&code=x`))).toBe(400);
    expect(await status(as(alice)(`${base}/not-a-uuid`, { method: 'DELETE' }))).toBe(400);
    expect(await status(as(alice)(`${base}/${crypto.randomUUID()}`, { method: 'DELETE' }))).toBe(404);
    expect(await status(fetch(`${gateway.baseUrl}${base}`))).toBe(401);
    expect(await status(fetch(`${gateway.baseUrl}${base}/google-calendar/callback?state=s&code=c`))).toBe(
      401,
    );
    expect(await status(as(alice)(base))).toBe(200);
  });
});
