import type { VoiceSessionControl } from '@conduit/contracts';

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
