import { ErrorCode, type CallerContext, type ErrorBody, type VoiceSessionControl } from '@conduit/contracts';

/** A live session as the manager drives it, whichever way it answers (pipeline or realtime model). */
export interface LiveVoiceSession {
  readonly id: string;
  readonly isEnded: boolean;
  onEnded(listener: () => void): void;
  /** The client's audio: pcm16 mono at its rate. */
  handleAudio(data: Uint8Array): void;
  handleControl(control: VoiceSessionControl): void;
  /** The gateway is alive (its heartbeat). */
  heard(): void;
  /** Ends the session with an error the client is told (fatal). */
  fail(code: string, message: string): void;
}

/** Why the client's audio frame is refused (more bytes than allowed, or half a sample), or null. */
export function audioFrameFault(data: Uint8Array, maxFrameBytes: number): ErrorBody | null {
  if (data.length > maxFrameBytes) {
    return {
      code: ErrorCode.PayloadTooLarge,
      message: `An audio frame may hold at most ${maxFrameBytes} bytes`,
    };
  }
  if (data.length % 2 !== 0) {
    return { code: ErrorCode.ValidationFailed, message: 'pcm16 audio frames hold whole 16-bit samples' };
  }
  return null;
}

/** The session's caller as usage records it. */
export function meteredCallerOf(caller: CallerContext & { userId: string }) {
  return { userId: caller.userId, apiKeyId: caller.apiKeyId ?? null };
}
