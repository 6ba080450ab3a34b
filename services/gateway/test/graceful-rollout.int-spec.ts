import WebSocket from 'ws';
import { ChatStreamEvent } from '@conduit/contracts';
import { ShutdownCoordinator } from '@conduit/service-kit';
import { readSse, waitFor, type ServiceProcess } from '@conduit/testing';
import { registerUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

interface StreamResult {
  status: number;
  events: ChatStreamEvent[];
  endedAt: number;
}

/** Reads a stream to its end; `events` shows the caller what has arrived so far. */
async function readEvents(response: Response, events: ChatStreamEvent[] = []): Promise<StreamResult> {
  for await (const message of readSse(response.body)) events.push(JSON.parse(message.data));
  return { status: response.status, events, endedAt: Date.now() };
}

const textOf = (events: ChatStreamEvent[]) =>
  events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');

/** SIGTERM, as Kubernetes sends it; resolves with the exit code and how long the process took to exit. */
function terminate(replica: ServiceProcess): Promise<{ code: number | null; exitedAfterMs: number }> {
  const sentAt = Date.now();
  const exited = new Promise<{ code: number | null; exitedAfterMs: number }>((resolve) =>
    replica.child.once('exit', (code) => resolve({ code, exitedAfterMs: Date.now() - sentAt })),
  );
  replica.child.kill('SIGTERM');
  return exited;
}

function expectCompleteAnswer(result: StreamResult, tokens: string[]): void {
  expect(result.status).toBe(200);
  expect(result.events.filter((e) => e.type === 'error')).toEqual([]);
  expect(result.events.map((e) => e.seq)).toEqual(result.events.map((_, i) => i));
  expect(result.events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
  expect(result.events.filter((e) => e.type === 'done' || e.type === 'error')).toHaveLength(1);
  expect(textOf(result.events)).toBe(tokens.join(''));
}

describe('graceful rollouts', () => {
  describe('chat replicas on SIGTERM', () => {
    let platform: TestPlatform;
    /** Five users with ten sessions each: one live stream per session, ten per user (under the per-user limit). */
    let users: { as: ReturnType<typeof api>; sessions: string[] }[];

    beforeAll(async () => {
      platform = await startPlatform({
        chatReplicas: 2,
        chatEnv: { SHUTDOWN_GRACE_MS: '20000', LOG_LEVEL: 'info' },
      });
      users = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const as = api(
            platform.gateway.baseUrl,
            (await registerUser(platform.gateway.baseUrl)).accessToken,
          );
          const sessions = await Promise.all(
            Array.from(
              { length: 10 },
              async () => (await json(await as('/api/v1/chat/sessions', { body: {} }))).id as string,
            ),
          );
          return { as, sessions };
        }),
      );
    });
    afterAll(() => platform?.close());

    const live = () => platform.chats.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
    const userFor = (i: number) => users[i % users.length]!;
    const send = (i: number, content: string) => {
      const { as, sessions } = userFor(i);
      return as(
        `/api/v1/chat/sessions/${sessions[Math.floor(i / users.length) % sessions.length]}/messages`,
        {
          body: { content },
        },
      );
    };

    it('restarting one of two chat replicas during 50 live streams fails none of them', async () => {
      // ~3 s per answer, so the restart lands in the middle of every stream.
      const tokens = Array.from({ length: 40 }, (_, i) => ` w${i}`);
      platform.openai.setBehavior({ kind: 'answer', tokens, tokenIntervalMs: 75 });
      const before = platform.openai.requests.length;
      const streams = Array.from({ length: 50 }, async (_, i) => readEvents(await send(i, `live ${i}`)));
      // Every generation is running at the provider before the replica is told to stop.
      await waitFor(() => platform.openai.requests.length - before >= 50, 'all 50 generations started');

      const [leaving, staying] = live() as [ServiceProcess, ServiceProcess];
      const exit = terminate(leaving);
      const replacement = platform.addChatReplica();
      // The leaving replica says it is not ready while it drains (the kubelet stops routing to it).
      await waitFor(async () => (await fetch(`${leaving.baseUrl}/readyz`)).status === 503, 'not ready');

      // Requests made during the restart are taken by the other replicas.
      const during = Array.from({ length: 10 }, async (_, i) => readEvents(await send(i, `during ${i}`)));
      const created = await userFor(0).as('/api/v1/chat/sessions', { body: { title: 'made mid-restart' } });
      expect(created.status).toBe(201);

      const results = await Promise.all(streams);
      for (const result of results) expectCompleteAnswer(result, tokens);
      for (const result of await Promise.all(during)) expectCompleteAnswer(result, tokens);

      const { code } = await exit;
      expect(code).toBe(0);
      // It drained its share inside the grace period: nothing had to be cut short.
      expect(leaving.output()).not.toMatch(/end of the grace period/);
      const drained = /waiting for (\d+) generation/.exec(leaving.output());
      expect(Number(drained?.[1])).toBeGreaterThan(0);
      expect(staying.child.exitCode).toBeNull();
      await replacement;

      platform.openai.setBehavior(undefined);
      const after = await readEvents(await send(0, 'after the restart'));
      expect(after.events.at(-1)).toMatchObject({ type: 'done' });
    });

    it('a draining replica takes no new requests but still honours cancels for its streams', async () => {
      while (live().length > 1) await live().at(-1)!.stop();
      const [only] = live() as [ServiceProcess];
      const tokens = Array.from({ length: 40 }, (_, i) => ` s${i}`);
      platform.openai.setBehavior({ kind: 'answer', tokens, tokenIntervalMs: 50 });
      const before = platform.openai.requests.length;
      const kept = await send(0, 'kept');
      const cancelled = await send(1, 'cancelled');
      const reading = [readEvents(kept), readEvents(cancelled)];
      await waitFor(() => platform.openai.requests.length - before >= 2, 'both generations started');

      const exit = terminate(only);
      await waitFor(async () => (await fetch(`${only.baseUrl}/readyz`)).status === 503, 'not ready');
      expect(await json(await fetch(`${only.baseUrl}/readyz`))).toMatchObject({
        checks: { shutdown: 'in progress' },
      });

      // Its request subscriptions are gone: with no other replica, NATS has no responder at all.
      // No responders answers at once; waiting for the bus's request timeout would answer 504 TIMEOUT.
      const refused = await send(2, 'too late');
      expect(refused.status).toBe(503);
      expect((await json(refused)).code).toBe('SERVICE_UNAVAILABLE');

      // ...while the cancel subscription of a stream it still produces is alive.
      const stop = await userFor(1).as(`/api/v1/chat/streams/${cancelled.headers.get('x-stream-id')}`, {
        method: 'DELETE',
      });
      expect(stop.status).toBe(204);

      const [keptResult, cancelledResult] = await Promise.all(reading);
      expectCompleteAnswer(keptResult!, tokens);
      expect(cancelledResult!.events.at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
      expect((await exit).code).toBe(0);
      platform.openai.setBehavior(undefined);
    });

    it('a replica with nothing in flight exits at once on SIGTERM, without waiting out its grace period', async () => {
      const idle = await platform.addChatReplica();
      const { code, exitedAfterMs } = await terminate(idle);
      expect(code).toBe(0);
      expect(exitedAfterMs).toBeLessThan(20_000); // SHUTDOWN_GRACE_MS
      expect(idle.output()).not.toMatch(/waiting for \d+ generation/);
    });
  });

  describe('when the grace period runs out', () => {
    let platform: TestPlatform;

    beforeAll(async () => {
      platform = await startPlatform({ chatReplicas: 1, chatEnv: { SHUTDOWN_GRACE_MS: '1500' } });
    });
    afterAll(() => platform?.close());

    it('ends the streams still running with an error and keeps what was said, marked interrupted', async () => {
      const as = api(platform.gateway.baseUrl, (await registerUser(platform.gateway.baseUrl)).accessToken);
      const sessionId = (await json(await as('/api/v1/chat/sessions', { body: {} }))).id;
      platform.openai.setBehavior({
        kind: 'answer',
        tokens: Array.from({ length: 400 }, (_, i) => ` x${i}`),
        tokenIntervalMs: 25,
      });
      const response = await as(`/api/v1/chat/sessions/${sessionId}/messages`, { body: { content: 'long' } });
      const seen: ChatStreamEvent[] = [];
      const reading = readEvents(response, seen);
      await waitFor(() => seen.some((e) => e.type === 'delta'), 'the first tokens');

      const exit = terminate(platform.chats[0]!);
      const { events } = await reading;
      expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'STREAM_LOST' } });
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      const { code, exitedAfterMs } = await exit;
      expect(code).toBe(0);
      // Cut short at the end of the grace period, long before the 10 s answer would have finished.
      expect(exitedAfterMs).toBeLessThan(400 * 25);
      expect(platform.chats[0]!.output()).toMatch(/end of the grace period/);

      platform.openai.setBehavior(undefined);
      await platform.addChatReplica();
      const session = await json(await as(`/api/v1/chat/sessions/${sessionId}`));
      const answer = session.messages.find((m: { role: string }) => m.role === 'assistant');
      expect(answer).toMatchObject({ status: 'interrupted', content: textOf(events) });
      expect(answer.content.length).toBeGreaterThan(0);
    });
  });

  describe('the gateway on shutdown', () => {
    let platform: TestPlatform;

    beforeAll(async () => {
      platform = await startPlatform({ chatReplicas: 1, gateway: { SHUTDOWN_GRACE_MS: 15_000 } });
    });
    afterAll(() => platform?.close());

    it('tells WebSockets to reconnect, refuses new connections, and lets SSE relays in flight finish', async () => {
      const { baseUrl } = platform.gateway;
      const { accessToken } = await registerUser(baseUrl);
      const as = api(baseUrl, accessToken);
      const sessionId = (await json(await as('/api/v1/chat/sessions', { body: {} }))).id;
      const tokens = Array.from({ length: 30 }, (_, i) => ` g${i}`);
      platform.openai.setBehavior({ kind: 'answer', tokens, tokenIntervalMs: 60 });

      const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      const frames: unknown[] = [];
      ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
      const closed = new Promise<{ code: number; at: number }>((resolve) =>
        ws.once('close', (code) => resolve({ code, at: Date.now() })),
      );
      await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));

      const relayed: ChatStreamEvent[] = [];
      const relaying = readEvents(
        await as(`/api/v1/chat/sessions/${sessionId}/messages`, { body: { content: 'hi' } }),
        relayed,
      );
      await waitFor(() => relayed.some((e) => e.type === 'delta'), 'the relay to be under way');

      const shutdown = platform.gateway.app.get(ShutdownCoordinator).shutdown();
      const { code, at: wsClosedAt } = await closed;
      expect(code).toBe(1012);
      expect(frames).toContainEqual({ type: 'reconnect' });
      // No new connections or upgrades...
      await expect(fetch(`${baseUrl}/healthz`)).rejects.toThrow();
      await expect(
        new Promise((resolve, reject) => {
          const late = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws`, {
            headers: { authorization: `Bearer ${accessToken}` },
          });
          late.once('open', resolve);
          late.once('error', reject);
        }),
      ).rejects.toThrow();

      // ...while the SSE relay in flight runs to its end, after the WebSocket was already told to go.
      const relay = await relaying;
      expectCompleteAnswer(relay, tokens);
      expect(wsClosedAt).toBeLessThan(relay.endedAt);
      await shutdown;
      // The coordinator closed the application; the platform's teardown must not close it twice.
      platform.gateway.app.close = () => Promise.resolve();
      platform.openai.setBehavior(undefined);
    });
  });
});
