import { ChatStreamEvent } from '@conduit/contracts';
import { NatsServerProcess, readSse, waitFor } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

/** Reads a stream to its end; `events` shows the caller what has arrived so far. */
async function readEvents(
  response: Response,
  events: ChatStreamEvent[] = [],
): Promise<{ events: ChatStreamEvent[]; endedAt: number }> {
  for await (const message of readSse(response.body)) events.push(JSON.parse(message.data));
  return { events, endedAt: Date.now() };
}

const textOf = (events: ChatStreamEvent[]) =>
  events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');

describe('faults: replicas dying, many streams, the bus going away', () => {
  describe('with chat replicas', () => {
    let platform: TestPlatform;
    let user: RegisteredUser;
    let as: ReturnType<typeof api>;
    let sessionId: string;

    beforeAll(async () => {
      platform = await startPlatform({ chatReplicas: 1 });
      user = await registerUser(platform.gateway.baseUrl);
      as = api(platform.gateway.baseUrl, user.accessToken);
      sessionId = (await json(await as('/api/v1/chat/sessions', { body: {} }))).id;
    });
    afterAll(() => platform?.close());

    it('ends a stream with an error within 10 s when its chat replica is killed, while another replica keeps serving', async () => {
      // Far longer than starting a replica can take on a busy machine: the answer is still running at the kill.
      platform.openai.enqueue({
        kind: 'answer',
        tokens: Array.from({ length: 4_000 }, (_, i) => ` k${i}`),
        tokenIntervalMs: 25,
      });
      const response = await as(`/api/v1/chat/sessions/${sessionId}/messages`, {
        body: { content: 'a long one' },
      });
      const arrived: ChatStreamEvent[] = [];
      const reading = readEvents(response, arrived);
      await platform.addChatReplica();
      await waitFor(() => arrived.some((e) => e.type === 'delta'), 'the first token of the long answer');
      const killedAt = Date.now();
      await platform.chats[0]!.kill();
      const { events, endedAt } = await reading;
      expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'STREAM_LOST' } });
      expect(endedAt - killedAt).toBeLessThan(10_000);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));

      for (let i = 0; i < 5; i++) {
        const next = await readEvents(
          await as(`/api/v1/chat/sessions/${sessionId}/messages`, { body: { content: `after ${i}` } }),
        );
        expect(next.events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
      }
    });

    it('relays 100 concurrent streams across two replicas with every token once and in order', async () => {
      if (platform.chats.filter((c) => c.child.exitCode === null && c.child.signalCode === null).length < 2) {
        await platform.addChatReplica();
      }
      const tokens = Array.from({ length: 30 }, (_, i) => ` t${i}`);
      platform.openai.setBehavior({ kind: 'answer', tokens, tokenIntervalMs: 5 });
      const sessions = await Promise.all(
        Array.from(
          { length: 10 },
          async () => (await json(await as('/api/v1/chat/sessions', { body: {} }))).id as string,
        ),
      );
      const results = await Promise.all(
        Array.from({ length: 100 }, async (_, i) =>
          readEvents(
            await as(`/api/v1/chat/sessions/${sessions[i % 10]}/messages`, { body: { content: `q${i}` } }),
          ),
        ),
      );
      platform.openai.setBehavior(undefined);
      for (const { events } of results) {
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
        expect(textOf(events)).toBe(tokens.join(''));
        expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
        expect(events.at(-1)?.type).toBe('done');
      }
    });
  });

  describe('when NATS goes down', () => {
    let nats: NatsServerProcess;
    let platform: TestPlatform;
    let as: ReturnType<typeof api>;
    const readyzStatus = async () => (await fetch(`${platform.gateway.baseUrl}/readyz`)).status;

    beforeAll(async () => {
      nats = await NatsServerProcess.start();
      platform = await startPlatform({ gateway: { NATS_URL: nats.url }, chatEnv: { NATS_URL: nats.url } });
      as = api(platform.gateway.baseUrl, (await registerUser(platform.gateway.baseUrl)).accessToken);
    });
    afterAll(async () => {
      await platform?.close();
      await nats?.stop();
    });

    it('fails readiness and answers 503 fast, then recovers by itself when NATS returns', async () => {
      const sessionId = (await json(await as('/api/v1/chat/sessions', { body: {} }))).id;
      await nats.halt();
      await waitFor(async () => (await readyzStatus()) === 503, 'the gateway to report not ready');
      const readiness = await json(await fetch(`${platform.gateway.baseUrl}/readyz`));
      expect(readiness).toMatchObject({
        status: 503,
        checks: { nats: 'not connected', postgres: 'ok', redis: 'ok' },
      });
      // Refused at once, not after the bus's request timeout: that one would answer 504 TIMEOUT.
      const refused = await as(`/api/v1/chat/sessions/${sessionId}/messages`, {
        body: { content: 'anyone?' },
      });
      expect(refused.status).toBe(503);
      expect((await json(refused)).code).toBe('SERVICE_UNAVAILABLE');
      expect((await fetch(`${platform.gateway.baseUrl}/healthz`)).status).toBe(200);

      await nats.resume();
      await waitFor(async () => (await readyzStatus()) === 200, 'the gateway to be ready again');
      await waitFor(async () => {
        const response = await as(`/api/v1/chat/sessions/${sessionId}/messages`, {
          body: { content: 'back?', stream: false },
        });
        return response.status === 200;
      }, 'a chat answer after NATS came back');
    });
  });
});
