import {
  ErrorCode,
  VOICE_HEARTBEAT_TIMEOUT_MS,
  VoiceStartSchema,
  type VoiceServerEvent,
} from '@conduit/contracts';
import { VoiceSession, type VoiceSessionSetup } from './voice-session';

/**
 * The session's watchdog only: a session whose turns never start, so none of its engines is used. The
 * timers and the wall clock are Jest's, moved by hand.
 */
function idleSession() {
  const events: VoiceServerEvent[] = [];
  const closable = { close: jest.fn() };
  const setup = {
    id: 'voice-1',
    caller: { userId: 'user-1' },
    start: VoiceStartSchema.parse({ type: 'start', sampleRate: 16_000, encoding: 'pcm16' }),
    chatSessionId: 'chat-1',
    inputResampler: closable,
    recognitionResampler: closable,
    vad: closable,
    output: {
      event: (event: VoiceServerEvent) => events.push(event),
      audio: jest.fn(),
      heartbeat: jest.fn(),
      lastSentAt: 0,
    },
    limits: {
      maxSessionMs: 3_600_000,
      noSpeechTimeoutMs: 3_600_000,
      maxFrameBytes: 64_000,
      minSpeechMs: 200,
      outputLeadMs: 200,
    },
  } as unknown as VoiceSessionSetup;
  return { session: new VoiceSession(setup), events };
}

/** The event loop was blocked for `ms`: the clock moves on, the timers fire late. */
function stall(ms: number): void {
  jest.setSystemTime(Date.now() + ms);
}

describe('VoiceSession heartbeat watch', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it("does not blame the gateway for this process's own stall", () => {
    const { session, events } = idleSession();
    jest.advanceTimersByTime(1_000);
    session.heard();
    stall(VOICE_HEARTBEAT_TIMEOUT_MS + 3_000); // the gateway's heartbeats wait unread meanwhile
    jest.advanceTimersByTime(250);
    session.heard();
    jest.advanceTimersByTime(1_000);
    expect(events).toEqual([]);
    expect(session.isEnded).toBe(false);
    session.end({ type: 'done' });
  });

  it('ends the session when the gateway goes silent, stalls or not', () => {
    const { session, events } = idleSession();
    stall(10_000);
    jest.advanceTimersByTime(250);
    expect(session.isEnded).toBe(false);
    jest.advanceTimersByTime(VOICE_HEARTBEAT_TIMEOUT_MS);
    expect(session.isEnded).toBe(true);
    expect(events).toEqual([
      expect.objectContaining({ type: 'error', code: ErrorCode.StreamLost, fatal: true }),
    ]);
  });
});
