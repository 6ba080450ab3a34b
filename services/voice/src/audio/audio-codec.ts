import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DomainError, ErrorCode, type SpeechFormat } from '@conduit/contracts';
import { canStart, ProcessRunError, runProcess } from '../processes/child-process';
import { FfmpegLiveEncoder, type LiveEncoder, type LiveEncoderSink } from './live-encoder';
import { SEEKING_CONTAINERS, sniffAudio, type SniffedAudio } from './audio-sniffer';
import { pcmSeconds, type PcmAudio } from './pcm-audio';
import { resamplePcm } from './pcm-resampler';
import { wavHeader } from './wav-format';

export interface AudioCodecSettings {
  /** `ffmpeg` (Debian package `ffmpeg`), on the PATH or as a path. */
  readonly ffmpeg: string;
  /** Longest recording decoded. */
  readonly maxSeconds: number;
  /** Longest one ffmpeg run may take. */
  readonly timeoutMs: number;
}

/** What speech requests answer with for each format. */
export const SPEECH_CONTENT_TYPES: Readonly<Record<SpeechFormat, string>> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  opus: 'audio/ogg; codecs=opus',
  pcm: 'audio/pcm',
};

/** The compressed formats ffmpeg encodes, and its encoder and container options for each. */
export type CompressedFormat = 'mp3' | 'opus';
const ENCODER_ARGS: Readonly<Record<CompressedFormat, readonly string[]>> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'],
  opus: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg'],
};
/** Streaming: every packet written out at once, and an Ogg page per packet rather than per second. */
const LIVE_ARGS: Readonly<Record<CompressedFormat, readonly string[]>> = {
  mp3: ['-flush_packets', '1'],
  opus: ['-flush_packets', '1', '-page_duration', '20000'],
};
/** Rates libopus and LAME take as they are (every live input rate is one). */
const NATIVE_RATES = new Set([8_000, 16_000, 24_000, 48_000]);

/** Raw `pcm` speech is 24 kHz, as OpenAI's. */
export const PCM_SPEECH_SAMPLE_RATE = 24_000;

export interface DecodedUpload extends PcmAudio {
  readonly format: SniffedAudio;
}

export interface EncodedSpeech {
  readonly data: Buffer;
  readonly contentType: string;
  readonly sampleRate: number;
}

/**
 * The edges of the service: uploads in any common container decoded to 16-bit mono PCM, and PCM
 * encoded to what clients play, both by ffmpeg (spawned, input on stdin and output on stdout, killed
 * past the time limit or when its output outgrows the duration limit).
 */
export class AudioCodec {
  constructor(private readonly settings: AudioCodecSettings) {}

  async availability(): Promise<{ available: true } | { available: false; reason: string }> {
    if (await canStart(this.settings.ffmpeg)) return { available: true };
    return {
      available: false,
      reason: `${this.settings.ffmpeg} cannot be started: install the Debian package ffmpeg`,
    };
  }

  /** Decodes an upload to mono PCM at `sampleRate`; typed errors for what is not audio or too long. */
  async decode(bytes: Uint8Array, sampleRate: number): Promise<DecodedUpload> {
    if (bytes.length === 0) throw new DomainError(ErrorCode.ValidationFailed, 'The audio file is empty');
    const format = await sniffAudio(bytes);
    if (!format)
      throw new DomainError(
        ErrorCode.UnsupportedFileType,
        'The file is not audio this service reads (wav, mp3, ogg/opus, webm, m4a, flac), whatever its name says',
      );
    await this.requireFfmpeg();
    // Decoding stops just past the limit, so an over-long recording costs no more than the limit.
    const limitSeconds = this.settings.maxSeconds + 1;
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
    const output = [
      '-t',
      String(limitSeconds),
      '-vn',
      '-ac',
      '1',
      '-ar',
      String(sampleRate),
      '-f',
      's16le',
      'pipe:1',
    ];
    const run = async (input: string, stdin?: Uint8Array) =>
      runProcess(this.settings.ffmpeg, [...args, '-i', input, ...output], {
        input: stdin ? Buffer.from(stdin.buffer, stdin.byteOffset, stdin.byteLength) : undefined,
        timeoutMs: this.settings.timeoutMs,
        maxOutputBytes: Math.ceil(limitSeconds * sampleRate * 2) + 65_536,
      });
    let pcm: Buffer;
    try {
      const { stdout } = SEEKING_CONTAINERS.has(format.container)
        ? await withTempFile(bytes, (file) => run(file))
        : await run('pipe:0', bytes);
      pcm = stdout.subarray(0, stdout.length - (stdout.length % 2));
    } catch (error) {
      throw this.decodeFailure(error, format);
    }
    const seconds = pcmSeconds(pcm.length, sampleRate);
    if (seconds > this.settings.maxSeconds)
      throw new DomainError(
        ErrorCode.PayloadTooLarge,
        `The recording is longer than ${this.settings.maxSeconds} s`,
        {
          maxSeconds: this.settings.maxSeconds,
        },
      );
    if (pcm.length === 0)
      throw new DomainError(ErrorCode.UnreadableFile, `The ${format.container} file holds no audio`);
    return { sampleRate, data: pcm, format };
  }

  /** Encodes mono PCM as `format` (`pcm`: raw at 24 kHz; `wav` written here; mp3 and ogg/opus by ffmpeg). */
  async encode(audio: PcmAudio, format: SpeechFormat): Promise<EncodedSpeech> {
    const contentType = SPEECH_CONTENT_TYPES[format];
    switch (format) {
      case 'pcm':
        return {
          data: await resamplePcm(audio.data, audio.sampleRate, PCM_SPEECH_SAMPLE_RATE),
          contentType,
          sampleRate: PCM_SPEECH_SAMPLE_RATE,
        };
      case 'wav':
        return {
          data: Buffer.concat([wavHeader(audio.sampleRate, audio.data.length), audio.data]),
          contentType,
          sampleRate: audio.sampleRate,
        };
      case 'mp3':
        return {
          data: await this.ffmpegEncode(audio, ENCODER_ARGS.mp3),
          contentType,
          sampleRate: audio.sampleRate,
        };
      case 'opus':
        // libopus takes 8, 12, 16, 24 or 48 kHz: other rates are resampled to 24 kHz.
        return {
          data: await this.ffmpegEncode(audio, ['-ar', '24000', ...ENCODER_ARGS.opus]),
          contentType,
          sampleRate: 24_000,
        };
    }
  }

  /**
   * A live encoder: mono PCM at `sampleRate` (8, 16, 24 or 48 kHz) written as it comes, `format`
   * bytes out as soon as ffmpeg has them, one stream (an mp3 or Ogg Opus file) from the first write
   * to `end()`.
   */
  openLiveEncoder(format: CompressedFormat, sampleRate: number, sink: LiveEncoderSink): LiveEncoder {
    if (!NATIVE_RATES.has(sampleRate))
      throw new DomainError(ErrorCode.ValidationFailed, `${format} is not encoded live at ${sampleRate} Hz`);
    return new FfmpegLiveEncoder(
      this.settings.ffmpeg,
      [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        // No probing of the input (its format is given): ffmpeg would otherwise read seconds of it
        // before writing anything.
        ...['-probesize', '32', '-analyzeduration', '0', '-fflags', 'nobuffer'],
        ...['-f', 's16le', '-ar', String(sampleRate), '-ac', '1', '-i', 'pipe:0'],
        ...ENCODER_ARGS[format],
        ...LIVE_ARGS[format],
        'pipe:1',
      ],
      sink,
    );
  }

  private async ffmpegEncode(audio: PcmAudio, outputArgs: readonly string[]): Promise<Buffer> {
    await this.requireFfmpeg();
    const input = ['-f', 's16le', '-ar', String(audio.sampleRate), '-ac', '1', '-i', 'pipe:0'];
    try {
      const { stdout } = await runProcess(
        this.settings.ffmpeg,
        ['-hide_banner', '-nostdin', '-loglevel', 'error', ...input, ...outputArgs, 'pipe:1'],
        { input: audio.data, timeoutMs: this.settings.timeoutMs },
      );
      return stdout;
    } catch (error) {
      const detail =
        error instanceof ProcessRunError ? `${error.message}: ${error.stderrTail}` : String(error);
      throw new DomainError(ErrorCode.Internal, `Encoding the speech failed (${detail})`);
    }
  }

  private async requireFfmpeg(): Promise<void> {
    const availability = await this.availability();
    if (!availability.available) throw new DomainError(ErrorCode.ServiceUnavailable, availability.reason);
  }

  private decodeFailure(error: unknown, format: SniffedAudio): DomainError {
    if (error instanceof ProcessRunError) {
      if (error.failure === 'timed_out')
        return new DomainError(
          ErrorCode.UnreadableFile,
          `Decoding the ${format.container} file took too long`,
        );
      if (error.failure === 'output_too_large')
        return new DomainError(
          ErrorCode.PayloadTooLarge,
          `The recording is longer than ${this.settings.maxSeconds} s`,
          {
            maxSeconds: this.settings.maxSeconds,
          },
        );
      if (error.failure === 'not_found') return new DomainError(ErrorCode.ServiceUnavailable, error.message);
    }
    return new DomainError(ErrorCode.UnreadableFile, `The ${format.container} file could not be decoded`);
  }
}

async function withTempFile<T>(bytes: Uint8Array, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'voice-upload-'));
  try {
    const file = path.join(dir, 'upload');
    await writeFile(file, bytes);
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
