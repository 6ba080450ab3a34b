import { mulaw } from 'alawmulaw';

/** Twilio's media streams: G.711 μ-law, 8 kHz mono, one byte per sample. */
export const PHONE_SAMPLE_RATE = 8_000;
/** Bytes of μ-law in one 20 ms frame. */
export const MULAW_FRAME_BYTES = (PHONE_SAMPLE_RATE / 1_000) * 20;

/** μ-law bytes to 16-bit little-endian PCM at the same rate. */
export function mulawToPcm16(payload: Uint8Array): Buffer {
  const samples = mulaw.decode(payload);
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** 16-bit little-endian PCM (an even number of bytes) to μ-law at the same rate. */
export function pcm16ToMulaw(pcm: Buffer): Buffer {
  // Int16Array needs an even offset; a Buffer from the pool may not have one.
  const aligned = pcm.byteOffset % 2 === 0 ? pcm : Buffer.from(pcm);
  const samples = new Int16Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.length / 2));
  const encoded = mulaw.encode(samples);
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/**
 * Reply PCM (in chunks of any size) as 20 ms μ-law frames: a barge-in's `clear` then drops what
 * Twilio has not played yet, frame by frame. Keeps an odd byte and a partial frame for the next chunk.
 */
export class MulawFramer {
  private pendingPcm: Buffer = Buffer.alloc(0);
  private pendingMulaw: Buffer = Buffer.alloc(0);

  /** The whole frames the chunk completes. */
  push(pcm: Uint8Array): Buffer[] {
    const all = this.pendingPcm.length === 0 ? Buffer.from(pcm) : Buffer.concat([this.pendingPcm, pcm]);
    const even = all.length - (all.length % 2);
    this.pendingPcm = all.subarray(even);
    this.pendingMulaw = Buffer.concat([this.pendingMulaw, pcm16ToMulaw(all.subarray(0, even))]);
    const frames: Buffer[] = [];
    while (this.pendingMulaw.length >= MULAW_FRAME_BYTES) {
      frames.push(this.pendingMulaw.subarray(0, MULAW_FRAME_BYTES));
      this.pendingMulaw = this.pendingMulaw.subarray(MULAW_FRAME_BYTES);
    }
    return frames;
  }

  /** The last partial frame, if any (at the end of a reply). */
  flush(): Buffer | null {
    const rest = this.pendingMulaw;
    this.pendingPcm = Buffer.alloc(0);
    this.pendingMulaw = Buffer.alloc(0);
    return rest.length > 0 ? rest : null;
  }

  /** Drops what is pending (a cancelled reply). */
  reset(): void {
    this.flush();
  }
}
