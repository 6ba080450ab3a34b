import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readWavHeader, type WavFormat } from '../audio/wav-format';
import { canStart, runProcess, tailOf } from '../processes/child-process';
import type { EngineAvailability } from '../stt/speech-to-text.port';
import { chooseEspeakVoice, parseEspeakVoices } from './espeak-voices';
import {
  TextToSpeechError,
  type SynthesisOptions,
  type TextToSpeechEngine,
  type VoiceInfo,
} from './text-to-speech.port';

export interface EspeakSettings {
  /** `espeak-ng` (Debian package `espeak-ng`), on the PATH or as a path. */
  readonly binary: string;
  /** The voice when a request names none and its language matches none. */
  readonly defaultVoice: string;
}

/**
 * Offline speech synthesis with espeak-ng: the text goes in on stdin, a WAV stream comes out on stdout
 * as espeak-ng produces it (clause by clause), and its samples are yielded without waiting for the end.
 */
export class EspeakEngine implements TextToSpeechEngine {
  readonly id = 'espeak-ng';
  /** espeak-ng's own voices all speak at 22,050 Hz. */
  readonly sampleRate = 22_050;
  private voiceList: Promise<readonly VoiceInfo[]> | undefined;

  constructor(private readonly settings: EspeakSettings) {}

  async availability(): Promise<EngineAvailability> {
    if (await canStart(this.settings.binary)) return { available: true };
    return {
      available: false,
      reason: `${this.settings.binary} cannot be started: install the Debian package espeak-ng`,
    };
  }

  voices(): Promise<readonly VoiceInfo[]> {
    this.voiceList ??= this.listVoices();
    const listed = this.voiceList;
    listed.catch(() => {
      if (this.voiceList === listed) this.voiceList = undefined; // a failed listing is tried again next time
    });
    return listed;
  }

  async *synthesize(text: string, options: SynthesisOptions): AsyncIterable<Buffer> {
    if (text.trim().length === 0)
      throw new TextToSpeechError(this.id, 'bad_request', 'there is no text to speak');
    if (options.model !== undefined)
      throw new TextToSpeechError(this.id, 'bad_request', 'espeak-ng has no models to choose from');
    const voice = chooseEspeakVoice(await this.voices(), options, this.settings.defaultVoice);
    if (!voice)
      throw new TextToSpeechError(this.id, 'bad_request', `espeak-ng has no voice "${options.voice}"`);
    if (options.signal.aborted) return;

    // -b 1: the text is UTF-8; it is read from stdin so no text can be taken for an option.
    const child = spawn(this.settings.binary, ['--stdout', '-b', '1', '-v', voice, '--stdin'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let startError: Error | undefined;
    child.once('error', (error) => (startError = error));
    const exited = once(child, 'close').catch(() => [null, null]);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = tailOf(stderr + chunk)));
    child.stdin.on('error', () => undefined); // a process that died is reported by its exit
    child.stdin.end(text, 'utf8');
    const kill = () => child.kill('SIGKILL');
    options.signal.addEventListener('abort', kill, { once: true });

    try {
      let head: Buffer = Buffer.alloc(0);
      let format: WavFormat | undefined;
      let carry: Buffer = Buffer.alloc(0);
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        if (options.signal.aborted) return;
        let samples: Buffer = chunk;
        if (!format) {
          head = Buffer.concat([head, chunk]);
          format = readWavHeader(head);
          if (!format) continue;
          this.checkFormat(format);
          samples = head.subarray(format.dataOffset);
        }
        // Whole 16-bit samples only: an odd byte waits for the next chunk.
        const joined = carry.length > 0 ? Buffer.concat([carry, samples]) : samples;
        const even = joined.length - (joined.length % 2);
        carry = joined.subarray(even);
        if (even > 0) yield joined.subarray(0, even);
      }
      const [code, signal] = await exited;
      if (options.signal.aborted) return;
      if (startError)
        throw new TextToSpeechError(
          this.id,
          'unavailable',
          (await this.availabilityReason()) ?? startError.message,
        );
      if (code !== 0)
        throw new TextToSpeechError(
          this.id,
          'upstream',
          `espeak-ng ${signal ? `was killed by ${String(signal)}` : `exited with ${String(code)}`}${stderr ? `: ${stderr}` : ''}`,
        );
    } finally {
      options.signal.removeEventListener('abort', kill);
      if (child.exitCode === null && child.signalCode === null) kill();
    }
  }

  private async listVoices(): Promise<readonly VoiceInfo[]> {
    try {
      const { stdout } = await runProcess(this.settings.binary, ['--voices'], { timeoutMs: 30_000 });
      return parseEspeakVoices(stdout.toString('utf8'));
    } catch (error) {
      const reason = await this.availabilityReason();
      if (reason) throw new TextToSpeechError(this.id, 'unavailable', reason);
      throw new TextToSpeechError(
        this.id,
        'upstream',
        `espeak-ng could not list its voices: ${String(error)}`,
      );
    }
  }

  private async availabilityReason(): Promise<string | undefined> {
    const availability = await this.availability();
    return availability.available ? undefined : availability.reason;
  }

  private checkFormat(format: WavFormat): void {
    if (
      format.audioFormat !== 1 ||
      format.channels !== 1 ||
      format.bitsPerSample !== 16 ||
      format.sampleRate !== this.sampleRate
    )
      throw new TextToSpeechError(
        this.id,
        'upstream',
        `espeak-ng wrote ${format.channels}-channel ${format.bitsPerSample}-bit audio at ${format.sampleRate} Hz, not 16-bit mono at ${this.sampleRate} Hz`,
      );
  }
}
