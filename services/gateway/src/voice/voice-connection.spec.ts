import { EventEmitter } from 'node:events';
import { headers as natsHeaders, type Msg, type MsgHdrs } from 'nats';
import type WebSocket from 'ws';
import type { Bus } from '@conduit/bus';
import {
  ChannelHeader,
  ErrorCode,
  VOICE_HEARTBEAT_TIMEOUT_MS,
  type OpenVoiceSessionResponse,
} from '@conduit/contracts';
import { VoiceConnection } from './voice-connection';

/**
 * The relay's heartbeat watch only. The voice session's side of the bus is a stand-in that answers
 * `openSession` and lets the test deliver the session's messages when it likes: the watch is about the
 * time between them, which Jest's timers and wall clock move by hand. The wire itself is covered by
 * test/voice-websocket.int-spec.ts against NATS.
 */
function relayedSession() {
  const socket = Object.assign(new EventEmitter(), {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    sent: [] as unknown[],
    send(data: unknown) {
      this.sent.push(typeof data === 'string' ? JSON.parse(data) : data);
    },
    close() {
      this.readyState = 3;
    },
  });
  let deliver: ((msg: Msg) => void) | null = null;
  let seq = 0;
  const bus = {
    subject: (name: string) => name,
    connection: {
      isClosed: () => false,
      publish: jest.fn(),
      subscribe: (_subject: string, options: { callback: (error: Error | null, msg: Msg) => void }) => {
        deliver = (msg) => options.callback(null, msg);
        return { unsubscribe: jest.fn() };
      },
    },
    request: (): Promise<OpenVoiceSessionResponse> =>
      Promise.resolve({
        voiceSessionId: '6a4f6f7e-8a3b-4a57-9d6c-0d1f3d1c2b3a',
        sessionId: '0b7c4a1e-2f5d-4c3b-8a9e-1d2c3b4a5f6e',
        mode: 'pipeline',
        stt: 'pocketsphinx',
        tts: 'espeak-ng',
        outputFormat: 'pcm16',
        outputSampleRate: 16_000,
      }),
  } as unknown as Bus;
  new VoiceConnection(
    socket as unknown as WebSocket,
    { userId: 'user-1', apiKeyId: null },
    {
      bus,
      maxFrameBytes: 64_000,
    },
  );
  /** The session's heartbeat reaches the gateway. */
  const heartbeat = () => {
    const h: MsgHdrs = natsHeaders();
    h.set(ChannelHeader.Seq, String(seq));
    h.set(ChannelHeader.Kind, 'heartbeat');
    seq += 1;
    deliver?.({ data: new Uint8Array(0), headers: h } as unknown as Msg);
  };
  const start = async () => {
    socket.emit(
      'message',
      Buffer.from(JSON.stringify({ type: 'start', sampleRate: 16_000, encoding: 'pcm16' })),
      false,
    );
    await jest.advanceTimersByTimeAsync(0);
    expect(socket.sent).toEqual([expect.objectContaining({ type: 'ready' })]);
  };
  return { socket, heartbeat, start };
}

/** The event loop was blocked for `ms`: the clock moves on, the timers fire late. */
function stall(ms: number): void {
  jest.setSystemTime(Date.now() + ms);
}

describe('VoiceConnection heartbeat watch', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it("does not blame the voice session for this process's own stall", async () => {
    const { socket, heartbeat, start } = relayedSession();
    await start();
    heartbeat();
    stall(VOICE_HEARTBEAT_TIMEOUT_MS + 3_000); // the session's heartbeats wait unread meanwhile
    jest.advanceTimersByTime(500);
    heartbeat();
    jest.advanceTimersByTime(1_000);
    expect(socket.sent).toHaveLength(1);
    expect(socket.readyState).toBe(socket.OPEN);
    socket.emit('close');
  });

  it('ends the connection when the session goes silent, stalls or not', async () => {
    const { socket, start } = relayedSession();
    await start();
    stall(10_000);
    jest.advanceTimersByTime(500);
    expect(socket.readyState).toBe(socket.OPEN);
    jest.advanceTimersByTime(VOICE_HEARTBEAT_TIMEOUT_MS + 500);
    expect(socket.sent).toEqual([
      expect.objectContaining({ type: 'ready' }),
      expect.objectContaining({ type: 'error', code: ErrorCode.StreamLost, fatal: true }),
    ]);
    expect(socket.readyState).not.toBe(socket.OPEN);
  });
});
