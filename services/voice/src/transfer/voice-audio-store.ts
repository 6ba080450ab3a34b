import { Injectable } from '@nestjs/common';
import { Bus, ObjectTransfer } from '@conduit/bus';
import { VOICE_AUDIO_BUCKET } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { VoiceConfig } from '../config';

/** Recordings and synthesised speech exchanged with the gateway through the voice audio bucket. */
@Injectable()
export class VoiceAudioStore {
  private readonly transfer: ObjectTransfer;

  constructor(
    bus: Bus,
    @InjectConfig() private readonly config: VoiceConfig,
  ) {
    this.transfer = new ObjectTransfer(bus, VOICE_AUDIO_BUCKET);
  }

  /** An uploaded recording, read once and removed; PAYLOAD_TOO_LARGE past VOICE_UPLOAD_MAX_BYTES. */
  takeUpload(name: string): Promise<Uint8Array> {
    return this.transfer.take(name, this.config.VOICE_UPLOAD_MAX_BYTES);
  }

  /** Stores audio for the gateway to take; returns its name. */
  put(audio: Uint8Array): Promise<string> {
    return this.transfer.put(audio);
  }
}
