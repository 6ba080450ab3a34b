import type { VoiceServerEvent } from '@conduit/contracts';
import { CAPTURE_RATE, Microphone } from './microphone';
import { PcmPlayer } from './pcm-player';
import { VoiceClient } from './voice-client';

export type TalkMode = 'hands-free' | 'push-to-talk';

export interface VoiceConversationOptions {
  /**
   * Made in the click that starts the conversation (browsers let audio start only after a user
   * gesture); the conversation owns it from then on and closes it when it ends.
   */
  readonly context: AudioContext;
  /** `/ws/voice` with the credential, as a ws(s) URL. */
  readonly url: string;
  readonly workletUrl: string;
  readonly mode: TalkMode;
  readonly onEvent: (event: VoiceServerEvent) => void;
  readonly onAudio: (receivedBytes: number) => void;
  readonly onClose: (code: number, reason: string) => void;
}

/**
 * A live conversation: the microphone's PCM to `/ws/voice` (in push-to-talk, silence unless the talk
 * button is held, so the service's VAD still sees the turn end), the reply's PCM to the speakers as it
 * streams, and playback cut on the service's `audio.cancelled` (barge-in) or when the user presses to talk.
 */
export class VoiceConversation {
  private readonly context: AudioContext;
  private readonly player: PcmPlayer;
  private readonly client: VoiceClient;
  private microphone: Microphone | null = null;
  private talking = false;
  private closed = false;

  constructor(private readonly options: VoiceConversationOptions) {
    this.context = options.context;
    this.player = new PcmPlayer(options.context, CAPTURE_RATE);
    this.client = new VoiceClient({
      url: options.url,
      sampleRate: CAPTURE_RATE,
      onEvent: (event) => this.onEvent(event),
      onAudio: (chunk) => {
        this.player.enqueue(chunk);
        options.onAudio(this.player.receivedBytes);
      },
      onClose: (code, reason) => {
        this.release();
        options.onClose(code, reason);
      },
    });
  }

  /** Push-to-talk: the button went down (cutting the answer, as speaking over it would) or up. */
  setTalking(talking: boolean): void {
    if (talking && !this.talking && this.player.isPlaying) this.interrupt();
    this.talking = talking;
  }

  interrupt(): void {
    this.player.stop();
    this.client.interrupt();
  }

  say(text: string): void {
    this.client.say(text);
  }

  stop(): void {
    this.client.stop();
  }

  private onEvent(event: VoiceServerEvent): void {
    if (event.type === 'ready') void this.openMicrophone();
    if (event.type === 'audio.cancelled') this.player.stop();
    this.options.onEvent(event);
  }

  private async openMicrophone(): Promise<void> {
    try {
      const microphone = await Microphone.open(this.context, this.options.workletUrl, (frame) => {
        if (this.options.mode === 'push-to-talk' && !this.talking) new Int16Array(frame).fill(0);
        this.client.sendAudio(frame);
      });
      if (this.closed) microphone.close();
      else this.microphone = microphone;
    } catch (error) {
      this.options.onEvent({
        type: 'error',
        code: 'MICROPHONE_UNAVAILABLE',
        message: `The microphone could not be opened: ${(error as Error).message}`,
        fatal: true,
      });
      this.client.stop();
    }
  }

  private release(): void {
    this.closed = true;
    this.microphone?.close();
    this.player.stop();
    void this.context.close();
  }
}
