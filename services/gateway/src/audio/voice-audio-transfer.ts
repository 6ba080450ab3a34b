import { Injectable } from '@nestjs/common';
import { Bus, ObjectTransfer } from '@conduit/bus';
import { VOICE_AUDIO_BUCKET } from '@conduit/contracts';

/**
 * Audio to and from the voice service through its Object Store bucket: recordings stream in as they
 * are uploaded; synthesised speech is taken (read and removed) once the service names it.
 */
@Injectable()
export class VoiceAudioTransfer {
  private readonly transfer: ObjectTransfer;

  constructor(bus: Bus) {
    this.transfer = new ObjectTransfer(bus, VOICE_AUDIO_BUCKET);
  }

  put(content: ReadableStream<Uint8Array>): Promise<string> {
    return this.transfer.put(content);
  }

  /** Synthesised speech the voice service left for this request. */
  take(name: string): Promise<Uint8Array> {
    return this.transfer.take(name, Number.MAX_SAFE_INTEGER);
  }

  /** Removes an upload the voice service did not get to (it removes the ones it reads). */
  discard(name: string): Promise<void> {
    return this.transfer.delete(name);
  }
}
