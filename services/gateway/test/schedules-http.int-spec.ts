import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { Bus } from '@conduit/bus';
import { AgentsSchedulesContract, type Notification } from '@conduit/contracts';
import { migrateServiceSchema } from '@conduit/db';
import { startServiceProcess, testEnv, waitFor, type ServiceProcess } from '@conduit/testing';
import {
  registerUser,
  startTestGateway,
  startTestGatewayReplica,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { api, json } from './support/platform';

interface Socket {
  ws: WebSocket;
  frames: { type: string; notification?: Notification }[];
}

/** Opens `/ws` and resolves once the server said `ready`; every later frame is kept. */
function openSocket(gateway: TestGateway, user: RegisteredUser): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${gateway.baseUrl.replace('http', 'ws')}/ws`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    const socket: Socket = { ws, frames: [] };
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'ready') resolve(socket);
      else socket.frames.push(frame);
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const notificationIds = (socket: Socket) =>
  socket.frames.filter((f) => f.type === 'notification').map((f) => f.notification!.id);

/**
 * Schedules and notifications end to end: the gateway in-process (and a second replica for the
 * WebSocket push), the agents and usage services as their own processes (built `dist/`; runs use the
 * offline model), NATS, Postgres and Redis for real.
 */
describe('schedules and notifications over HTTP and /ws', () => {
  let gateway: TestGateway;
  let replica: TestGateway;
  let agents: ServiceProcess;
  let usage: ServiceProcess;
  let bus: Bus;
  let drop: () => Promise<void>;
  let dropUsage: () => Promise<void>;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let aliceAgent: string;
  let bobAgent: string;
  const as = (user: RegisteredUser) => api(gateway.baseUrl, user.accessToken);

  async function call(user: RegisteredUser, path: string, init: Parameters<ReturnType<typeof api>>[1] = {}) {
    const response = await as(user)(path, init);
    return { status: response.status, body: response.status === 204 ? null : await json(response) };
  }

  beforeAll(async () => {
    gateway = await startTestGateway();
    replica = await startTestGatewayReplica(gateway);
    const schema = gateway.namespace.schemaFor('agents');
    ({ drop } = await migrateServiceSchema('agents', testEnv().databaseUrl, schema));
    // Runs meter their calls: budgets and the ledger are the usage service's.
    const usageSchema = gateway.namespace.schemaFor('usage');
    ({ drop: dropUsage } = await migrateServiceSchema('usage', testEnv().databaseUrl, usageSchema));
    usage = await startServiceProcess('usage', {
      NATS_URL: gateway.config.NATS_URL,
      NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: usageSchema,
      SHUTDOWN_GRACE_MS: '5000',
    });
    agents = await startServiceProcess('agents', {
      NATS_URL: gateway.config.NATS_URL,
      NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: gateway.config.REDIS_URL,
      REDIS_KEY_PREFIX: gateway.config.REDIS_KEY_PREFIX,
      SHUTDOWN_GRACE_MS: '5000',
      AGENTS_MASTER_KEY: randomBytes(32).toString('base64'),
      AGENTS_SCHEDULER_POLL_MS: '100',
    });
    bus = await Bus.connect({
      url: gateway.config.NATS_URL,
      name: 'schedules-http-test',
      subjectPrefix: gateway.config.NATS_SUBJECT_PREFIX,
    });
    [alice, bob] = await Promise.all([registerUser(gateway.baseUrl), registerUser(gateway.baseUrl)]);
    aliceAgent = (await call(alice, '/api/v1/agents', { body: { name: 'Alice’s' } })).body.id;
    bobAgent = (await call(bob, '/api/v1/agents', { body: { name: 'Bob’s' } })).body.id;
  });

  afterAll(async () => {
    await bus?.close();
    await agents?.stop(5_000);
    await usage?.stop(5_000);
    await replica?.close();
    await gateway?.close();
    await drop?.();
    await dropUsage?.();
  });

  it('creates, lists, reads, pauses, changes and deletes a schedule', async () => {
    const created = await call(alice, '/api/v1/schedules', {
      body: { agentId: aliceAgent, prompt: 'weekly report', cron: '0 9 * * MON', timeZone: 'Europe/Berlin' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      agentId: aliceAgent,
      cron: '0 9 * * MON',
      timeZone: 'Europe/Berlin',
      catchUp: 'latest',
      state: 'active',
      nextFireAt: expect.any(String),
    });
    const id = created.body.id;
    // Mondays at 09:00 in Berlin are 07:00Z or 08:00Z.
    const next = new Date(created.body.nextFireAt);
    expect(next.getUTCDay()).toBe(1);
    expect([7, 8]).toContain(next.getUTCHours());

    const page = await call(alice, `/api/v1/schedules?agentId=${aliceAgent}&limit=10`);
    expect(page.body).toMatchObject({ data: [{ id }], nextCursor: null });
    expect((await call(alice, `/api/v1/schedules/${id}`)).body).toMatchObject({
      id,
      prompt: 'weekly report',
    });

    const paused = await call(alice, `/api/v1/schedules/${id}`, {
      method: 'PATCH',
      body: { enabled: false },
    });
    expect(paused).toMatchObject({ status: 200, body: { state: 'paused', nextFireAt: null } });
    const changed = await call(alice, `/api/v1/schedules/${id}`, {
      method: 'PATCH',
      body: { enabled: true, runAt: new Date(Date.now() + 3_600_000).toISOString(), name: 'Once' },
    });
    expect(changed.body).toMatchObject({
      state: 'active',
      cron: null,
      name: 'Once',
      runAt: expect.any(String),
    });

    expect((await call(alice, `/api/v1/schedules/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(alice, `/api/v1/schedules/${id}`)).status).toBe(404);
  });

  it('refuses bad input on every route with a clear 4xx', async () => {
    const valid = { agentId: aliceAgent, prompt: 'ok', cron: '0 9 * * *' };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...valid, cron: '61 * * * *' }, 400, 'cron'],
      [{ ...valid, cron: 'every morning' }, 400, 'cron'],
      [{ ...valid, timeZone: 'Mars/Olympus' }, 400, 'timeZone'],
      [{ agentId: aliceAgent, prompt: 'ok', runAt: '2020-01-01T00:00:00Z' }, 400, 'runAt'],
      [{ ...valid, runAt: new Date(Date.now() + 60_000).toISOString() }, 400, 'cron'],
      [{ ...valid, agentId: 'nope' }, 400, 'agentId'],
      [{ ...valid, agentId: randomUUID() }, 404, ''],
      [{ ...valid, agentId: bobAgent }, 404, ''],
    ];
    for (const [body, status, field] of cases) {
      const response = await as(alice)('/api/v1/schedules', { body });
      const problem = await json(response);
      expect({ body, status: response.status }).toEqual({ body, status });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      if (field) expect(JSON.stringify(problem)).toContain(field);
    }
    const schedule = (await call(alice, '/api/v1/schedules', { body: valid })).body;
    const patch = (body: unknown) =>
      call(alice, `/api/v1/schedules/${schedule.id}`, { method: 'PATCH', body });
    expect((await patch({ cron: '99 * * * *' })).status).toBe(400);
    expect((await patch({ timeZone: 'Nowhere/Land' })).status).toBe(400);
    expect((await patch({ runAt: '2020-01-01T00:00:00Z' })).status).toBe(400);
    expect((await patch({ agentId: bobAgent })).status).toBe(400);
    expect((await call(alice, '/api/v1/schedules/not-a-uuid')).status).toBe(400);
    expect((await call(alice, `/api/v1/schedules/${randomUUID()}`)).status).toBe(404);
    expect((await call(alice, `/api/v1/schedules/${randomUUID()}`, { method: 'DELETE' })).status).toBe(404);
    expect((await call(alice, '/api/v1/schedules?limit=0')).status).toBe(400);
    expect((await call(alice, '/api/v1/schedules?cursor=bm9wZQ')).status).toBe(400);
    expect((await call(alice, '/api/v1/notifications?limit=1000')).status).toBe(400);
    expect((await call(alice, '/api/v1/notifications?unread=maybe')).status).toBe(400);
    expect((await call(alice, '/api/v1/notifications/nope/read', { method: 'POST' })).status).toBe(400);
    expect((await call(alice, `/api/v1/notifications/${randomUUID()}/read`, { method: 'POST' })).status).toBe(
      404,
    );
    expect((await fetch(`${gateway.baseUrl}/api/v1/notifications`)).status).toBe(401);
    expect((await fetch(`${gateway.baseUrl}/api/v1/schedules`)).status).toBe(401);
    expect((await call(alice, `/api/v1/schedules/${schedule.id}`)).body).toMatchObject({ cron: '0 9 * * *' });
    await call(alice, `/api/v1/schedules/${schedule.id}`, { method: 'DELETE' });
  });

  it("keeps users apart: nobody sees, changes or deletes another user's schedule", async () => {
    const schedule = (
      await call(alice, '/api/v1/schedules', {
        body: { agentId: aliceAgent, prompt: 'mine', cron: '@daily' },
      })
    ).body;
    expect((await call(bob, `/api/v1/schedules/${schedule.id}`)).status).toBe(404);
    expect(
      (await call(bob, `/api/v1/schedules/${schedule.id}`, { method: 'PATCH', body: { enabled: false } }))
        .status,
    ).toBe(404);
    expect((await call(bob, `/api/v1/schedules/${schedule.id}`, { method: 'DELETE' })).status).toBe(404);
    const bobs = await call(bob, '/api/v1/schedules?limit=100');
    expect(bobs.body.data.map((s: { id: string }) => s.id)).not.toContain(schedule.id);
    expect((await call(alice, `/api/v1/schedules/${schedule.id}`)).body).toMatchObject({ enabled: true });
    await call(alice, `/api/v1/schedules/${schedule.id}`, { method: 'DELETE' });
  });

  it('pushes a new notification to every open /ws connection of its owner, on any replica, and to nobody else', async () => {
    const aliceHere = await openSocket(gateway, alice);
    const aliceThere = await openSocket(replica, alice);
    const bobHere = await openSocket(gateway, bob);
    const announce = async (user: RegisteredUser) => {
      const notification: Notification = {
        id: randomUUID(),
        kind: 'agent.run',
        status: 'succeeded',
        title: 'Scheduled run: done',
        body: 'hello',
        agentId: randomUUID(),
        scheduleId: randomUUID(),
        runId: null,
        firedFor: new Date().toISOString(),
        read: false,
        readAt: null,
        createdAt: new Date().toISOString(),
      };
      await bus.publish(
        AgentsSchedulesContract.notificationCreated,
        { userId: user.userId, notification },
        { userId: user.userId },
      );
      return notification.id;
    };
    const forAlice = await announce(alice);
    await waitFor(
      () => notificationIds(aliceHere).length === 1 && notificationIds(aliceThere).length === 1,
      'alice told on both replicas',
    );
    const forBob = await announce(bob);
    await waitFor(() => notificationIds(bobHere).length === 1, 'bob told');
    const again = await announce(alice);
    await waitFor(
      () => notificationIds(aliceHere).length === 2 && notificationIds(aliceThere).length === 2,
      'again',
    );
    // Events reach each replica in order: by the time the later ones arrived, the earlier ones were handled.
    expect(notificationIds(aliceHere)).toEqual([forAlice, again]);
    expect(notificationIds(aliceThere)).toEqual([forAlice, again]);
    expect(notificationIds(bobHere)).toEqual([forBob]);
    for (const socket of [aliceHere, aliceThere, bobHere]) socket.ws.close();
  });

  it('runs a one-off at its time and tells its owner over /ws and in the list, and nobody else', async () => {
    const aliceSocket = await openSocket(gateway, alice);
    const bobSocket = await openSocket(replica, bob);
    const runAt = new Date(Date.now() + 1_500).toISOString();
    const created = await call(alice, '/api/v1/schedules', {
      body: { agentId: aliceAgent, prompt: 'good morning', runAt, name: 'Greeting' },
    });
    expect(created.status).toBe(201);
    await waitFor(() => notificationIds(aliceSocket).length === 1, 'the notification frame');
    const frame = aliceSocket.frames.find((f) => f.type === 'notification')!.notification!;
    expect(frame).toMatchObject({
      status: 'succeeded',
      title: 'Greeting: done',
      scheduleId: created.body.id,
      agentId: aliceAgent,
      firedFor: new Date(runAt).toISOString(),
      read: false,
    });
    expect(frame.body).toContain('good morning');
    const listed = await call(alice, '/api/v1/notifications?unread=true');
    expect(listed.body).toMatchObject({ unreadCount: 1, data: [{ id: frame.id }] });
    expect((await call(alice, `/api/v1/schedules/${created.body.id}`)).body).toMatchObject({
      state: 'finished',
    });
    expect((await call(bob, `/api/v1/notifications/${frame.id}/read`, { method: 'POST' })).status).toBe(404);
    expect((await call(bob, '/api/v1/notifications')).body).toMatchObject({ data: [], unreadCount: 0 });
    const read = await call(alice, `/api/v1/notifications/${frame.id}/read`, { method: 'POST' });
    expect(read.body).toMatchObject({ id: frame.id, read: true });
    expect((await call(alice, '/api/v1/notifications')).body.unreadCount).toBe(0);
    // Bob's socket heard nothing: a frame for him would have come before this answer to his ping.
    const pong = new Promise((resolve) =>
      bobSocket.ws.once('message', (data) => resolve(JSON.parse(data.toString()))),
    );
    bobSocket.ws.send(JSON.stringify({ type: 'ping' }));
    expect(await pong).toEqual({ type: 'pong' });
    expect(notificationIds(bobSocket)).toEqual([]);
    aliceSocket.ws.close();
    bobSocket.ws.close();
  });

  it('lists notifications and marks them read, for their owner only', async () => {
    const empty = await call(bob, '/api/v1/notifications');
    expect(empty).toMatchObject({ status: 200, body: { data: [], unreadCount: 0, nextCursor: null } });
    expect(await call(bob, '/api/v1/notifications/read-all', { method: 'POST' })).toMatchObject({
      status: 200,
      body: { updated: 0 },
    });
  });
});
