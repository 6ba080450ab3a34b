/** How far ahead of the clock the first frame of an answer (or the first after a gap) is scheduled. */
const JITTER_BUFFER_SECONDS = 0.12;

/**
 * Plays 16-bit mono PCM as it arrives: each chunk becomes an AudioBuffer at the stream's rate
 * (the context resamples it) scheduled right after the one before, starting a small jitter buffer
 * ahead of the clock so network jitter does not open gaps. `stop()` silences everything scheduled
 * (barge-in).
 */
export class PcmPlayer {
  private nextStart = 0;
  private readonly playing = new Set<AudioBufferSourceNode>();
  private bytes = 0;

  constructor(
    private readonly context: AudioContext,
    private readonly sampleRate: number,
  ) {}

  /** Bytes of PCM received since the player was made. */
  get receivedBytes(): number {
    return this.bytes;
  }

  /** Whether scheduled audio is still to be heard. */
  get isPlaying(): boolean {
    return this.playing.size > 0;
  }

  enqueue(chunk: ArrayBuffer): void {
    this.bytes += chunk.byteLength;
    const samples = new Int16Array(chunk, 0, chunk.byteLength >> 1);
    if (samples.length === 0) return;
    const buffer = this.context.createBuffer(1, samples.length, this.sampleRate);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) channel[i] = samples[i]! / 0x8000;
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const now = this.context.currentTime;
    if (this.nextStart < now) this.nextStart = now + JITTER_BUFFER_SECONDS;
    source.start(this.nextStart);
    this.nextStart += buffer.duration;
    this.playing.add(source);
    source.onended = () => this.playing.delete(source);
  }

  /** Stops what plays and drops what is scheduled. */
  stop(): void {
    for (const source of this.playing) {
      source.onended = null;
      source.stop();
    }
    this.playing.clear();
    this.nextStart = 0;
  }
}
