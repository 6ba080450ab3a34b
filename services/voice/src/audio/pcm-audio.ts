/**
 * Raw audio as every engine inside the voice service exchanges it: 16-bit signed little-endian PCM,
 * mono, at `sampleRate` Hz. Conversions to and from the client's format (other rates, opus, mp3, WAV)
 * happen at the edges of the service, never inside an engine adapter.
 */
export interface PcmAudio {
  readonly sampleRate: number;
  /** Interleaved mono samples, little-endian int16; its length is always even. */
  readonly data: Buffer;
}

/** Length of `bytes` of 16-bit mono PCM at `sampleRate`, in seconds. */
export const pcmSeconds = (bytes: number, sampleRate: number): number => bytes / 2 / sampleRate;
