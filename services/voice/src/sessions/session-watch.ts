import { Logger } from '@nestjs/common';
import { ListeningClock } from '@conduit/bus';
import { ErrorCode, VOICE_HEARTBEAT_TIMEOUT_MS } from '@conduit/contracts';

/** How often a session's limits and liveness are checked. */
export const WATCH_INTERVAL_MS = 250;

export interface SessionWatchOptions {
  readonly sessionId: string;
  readonly maxSessionMs: number;
  readonly noSpeechTimeoutMs: number;
  /** Whether a turn is under way (the no-speech limit waits while one is). */
  readonly busy: () => boolean;
  /** When the last message went out to the gateway. */
  readonly lastSentAt: () => number;
  readonly heartbeat: () => void;
  readonly fail: (code: string, message: string) => void;
  readonly now: () => number;
}

/**
 * A live session's limits and liveness, checked a few times a second: its maximum length, the
 * no-speech limit, the gateway's heartbeat (on the listening clock, so this process's own stalls are
 * not blamed on the client), and a heartbeat of its own while the session is quiet.
 */
export class SessionWatch {
  private readonly logger = new Logger(SessionWatch.name);
  private readonly clock: ListeningClock;
  private readonly timers: NodeJS.Timeout[];
  private lastActivityAt: number;
  private lastInputAt: number;

  constructor(private readonly options: SessionWatchOptions) {
    this.clock = new ListeningClock(WATCH_INTERVAL_MS, { now: options.now });
    this.lastActivityAt = this.clock.now();
    this.lastInputAt = this.lastActivityAt;
    this.timers = [
      setTimeout(
        () =>
          options.fail(
            ErrorCode.Timeout,
            `The voice session reached its maximum length of ${Math.round(options.maxSessionMs / 1000)} s`,
          ),
        options.maxSessionMs,
      ),
      setInterval(() => this.check(), WATCH_INTERVAL_MS),
    ];
    this.clock.start();
  }

  /** The gateway sent something. */
  heardInput(): void {
    this.lastInputAt = this.clock.now();
  }

  /** A turn moved on (speech, a reply): the no-speech limit starts again. */
  activity(): void {
    this.lastActivityAt = this.clock.now();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private check(): void {
    const now = this.clock.tick();
    if (now - this.lastInputAt > VOICE_HEARTBEAT_TIMEOUT_MS) {
      this.logger.warn(`voice session ${this.options.sessionId}: its gateway went silent; ending it`);
      return this.options.fail(ErrorCode.StreamLost, 'The connection to the client was lost');
    }
    if (!this.options.busy() && now - this.lastActivityAt > this.options.noSpeechTimeoutMs) {
      return this.options.fail(
        ErrorCode.Timeout,
        `No speech was heard for ${Math.round(this.options.noSpeechTimeoutMs / 1000)} s`,
      );
    }
    if (this.options.now() - this.options.lastSentAt() >= 1_000) this.options.heartbeat();
  }
}
