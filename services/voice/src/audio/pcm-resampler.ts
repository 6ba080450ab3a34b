import { ConverterType, create } from '@alexanderolsen/libsamplerate-js';

/**
 * A streaming sample-rate converter for 16-bit mono PCM (libsamplerate compiled to WebAssembly, sinc
 * "fastest" converter: band-limited, unlike linear interpolation, and cheap enough for many live
 * sessions). It keeps its filter state between chunks, so a stream cut into frames of any size
 * converts as one piece. One instance per stream; {@link close} when the stream ends.
 */
export class PcmResampler {
  private constructor(
    readonly fromRate: number,
    readonly toRate: number,
    private readonly converter: Awaited<ReturnType<typeof create>> | null,
  ) {}

  static async open(fromRate: number, toRate: number): Promise<PcmResampler> {
    if (fromRate === toRate) return new PcmResampler(fromRate, toRate, null);
    const converter = await create(1, fromRate, toRate, { converterType: ConverterType.SRC_SINC_FASTEST });
    return new PcmResampler(fromRate, toRate, converter);
  }

  /** Converts the next chunk; the output may lag the input by the filter's few milliseconds. */
  process(pcm: Buffer): Buffer {
    if (!this.converter) return pcm;
    if (pcm.length < 2) return Buffer.alloc(0);
    return floatToPcm16(this.converter.full(pcm16ToFloat(pcm)));
  }

  close(): void {
    this.converter?.destroy();
  }
}

/** Converts a whole recording at once (uploads, synthesised replies). */
export async function resamplePcm(pcm: Buffer, fromRate: number, toRate: number): Promise<Buffer> {
  const resampler = await PcmResampler.open(fromRate, toRate);
  try {
    return resampler.process(pcm);
  } finally {
    resampler.close();
  }
}

function pcm16ToFloat(pcm: Buffer): Float32Array {
  const samples = Math.floor(pcm.length / 2);
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = pcm.readInt16LE(i * 2) / 32768;
  return out;
}

function floatToPcm16(samples: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const clamped = Math.max(-1, Math.min(1, samples[i] ?? 0));
    out.writeInt16LE(Math.round(clamped < 0 ? clamped * 32768 : clamped * 32767), i * 2);
  }
  return out;
}
