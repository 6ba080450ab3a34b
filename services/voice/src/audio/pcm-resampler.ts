import { ConverterType, create } from '@alexanderolsen/libsamplerate-js';
import { floatToPcm16, IntegerRatioResampler, pcm16ToFloat } from './integer-ratio-resampler';

/**
 * A streaming sample-rate converter for 16-bit mono PCM: between rates a whole number of times apart
 * (8 → 16 kHz, 48 → 16 kHz, 24 → 8 kHz) our polyphase FIR ({@link IntegerRatioResampler}), otherwise
 * libsamplerate compiled to WebAssembly (sinc "fastest" converter: band-limited, unlike linear
 * interpolation). It keeps its filter state between chunks, so a stream cut into frames of any size
 * converts as one piece. One instance per stream; {@link close} when the stream ends.
 */
export class PcmResampler {
  private constructor(
    readonly fromRate: number,
    readonly toRate: number,
    private readonly converter: Awaited<ReturnType<typeof create>> | IntegerRatioResampler | null,
  ) {}

  static async open(fromRate: number, toRate: number): Promise<PcmResampler> {
    if (fromRate === toRate) return new PcmResampler(fromRate, toRate, null);
    const converter =
      IntegerRatioResampler.between(fromRate, toRate) ??
      (await create(1, fromRate, toRate, { converterType: ConverterType.SRC_SINC_FASTEST }));
    return new PcmResampler(fromRate, toRate, converter);
  }

  /** Converts the next chunk; the output may lag the input by the filter's few milliseconds. */
  process(pcm: Buffer): Buffer {
    if (!this.converter) return pcm;
    if (pcm.length < 2) return Buffer.alloc(0);
    if (this.converter instanceof IntegerRatioResampler) return this.converter.process(pcm);
    return floatToPcm16(this.converter.full(pcm16ToFloat(pcm)));
  }

  close(): void {
    if (this.converter && !(this.converter instanceof IntegerRatioResampler)) this.converter.destroy();
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
