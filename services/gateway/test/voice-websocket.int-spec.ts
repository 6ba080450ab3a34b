import WebSocket from 'ws';
import { ErrorCode, type VoiceServerEvent } from '@conduit/contracts';
import { startServiceProcess, waitFor, type ServiceProcess } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

/** A `/ws/voice` client that keeps every event and counts reply audio, in arrival order. */
class VoiceSocket {
  readonly received: Array<{ kind: 'event'; event: VoiceServerEvent } | { kind: 'audio'; bytes: number }> =
    [];
  closedWith: number | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      if (isBinary) this.received.push({ kind: 'audio', bytes: bytes.length });
      else this.received.push({ kind: 'event', event: JSON.parse(bytes.toString()) as VoiceServerEvent });
    });
    ws.on('close', (code) => (this.closedWith = code));
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<VoiceSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const socket = new VoiceSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  events(): VoiceServerEvent[] {
    return this.received.flatMap((r) => (r.kind === 'event' ? [r.event] : []));
  }

  /** The session's end: its fatal error (or `done`) and the socket closed. */
  async ended(): Promise<VoiceServerEvent> {
    await waitFor(
      () => this.closedWith !== null,
      () => `the socket to close; got ${JSON.stringify(this.events())}`,
    );
    const last = this.events().at(-1);
    if (!last) throw new Error('no event before the close');
    return last;
  }
}

describe('/ws/voice', () => {
  let platform: TestPlatform;
  let voice: ServiceProcess;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let url: string;

  beforeAll(async () => {
    platform = await startPlatform();
    const { config } = platform.gateway;
    voice = await startServiceProcess('voice', {
      NATS_URL: config.NATS_URL,
      NATS_SUBJECT_PREFIX: config.NATS_SUBJECT_PREFIX,
      REDIS_URL: config.REDIS_URL,
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
    });
    alice = await registerUser(platform.gateway.baseUrl);
    bob = await registerUser(platform.gateway.baseUrl);
    url = platform.gateway.baseUrl.replace('http', 'ws') + '/ws/voice';
  });
  afterAll(async () => {
    await voice?.stop(5_000);
    await platform?.close();
  });

  const openAs = (user: RegisteredUser) =>
    VoiceSocket.open(url, { authorization: `Bearer ${user.accessToken}` });

  it('refuses upgrades without a valid credential with 401, before any session', async () => {
    await expect(VoiceSocket.open(url)).rejects.toThrow('HTTP 401');
    await expect(VoiceSocket.open(url, { authorization: 'Bearer nonsense' })).rejects.toThrow('HTTP 401');
    await expect(VoiceSocket.open(`${url}?access_token=${alice.accessToken}`)).resolves.toBeInstanceOf(
      VoiceSocket,
    );
  });

  it.each([
    ['audio before start', Buffer.alloc(640), ErrorCode.ValidationFailed],
    ['text that is not JSON', 'hello', ErrorCode.ValidationFailed],
    [
      'an unsupported sample rate',
      { type: 'start', sampleRate: 44_100, encoding: 'pcm16' },
      ErrorCode.ValidationFailed,
    ],
    [
      'an unsupported encoding',
      { type: 'start', sampleRate: 16_000, encoding: 'mulaw' },
      ErrorCode.ValidationFailed,
    ],
    ['a control message before start', { type: 'interrupt' }, ErrorCode.ValidationFailed],
    ['an unknown message', { type: 'dance' }, ErrorCode.ValidationFailed],
  ])('ends the session with a clear error on %s, and keeps serving', async (_what, message, code) => {
    const socket = await openAs(alice);
    if (Buffer.isBuffer(message)) socket.ws.send(message);
    else socket.send(message);
    expect(await socket.ended()).toMatchObject({ type: 'error', code, fatal: true });
    expect((await fetch(`${platform.gateway.baseUrl}/healthz`)).status).toBe(200);
  });

  it('refuses an audio frame over the size limit', async () => {
    const socket = await openAs(alice);
    socket.ws.send(Buffer.alloc(platform.gateway.config.VOICE_MAX_FRAME_BYTES + 2));
    expect(await socket.ended()).toMatchObject({
      type: 'error',
      code: ErrorCode.PayloadTooLarge,
      fatal: true,
    });
  });

  it("passes the voice service's refusals on: an engine it does not have, a format it cannot send", async () => {
    const engine = await openAs(alice);
    engine.send({ type: 'start', sampleRate: 16_000, encoding: 'pcm16', stt: 'no-such-engine' });
    expect(await engine.ended()).toMatchObject({
      type: 'error',
      code: ErrorCode.ValidationFailed,
      fatal: true,
    });
    const format = await openAs(alice);
    format.send({ type: 'start', sampleRate: 16_000, encoding: 'pcm16', outputFormat: 'mp3' });
    expect(await format.ended()).toMatchObject({
      type: 'error',
      code: ErrorCode.ValidationFailed,
      fatal: true,
    });
  });

  it("does not let one user continue another's conversation", async () => {
    const chat = await json(
      await api(platform.gateway.baseUrl, alice.accessToken)('/api/v1/chat/sessions', { body: {} }),
    );
    const socket = await openAs(bob);
    socket.send({ type: 'start', sampleRate: 16_000, encoding: 'pcm16', sessionId: chat.id });
    expect(await socket.ended()).toMatchObject({ type: 'error', code: ErrorCode.NotFound, fatal: true });
  });
});
