import { createRequire } from 'node:module';
import { importEsModule } from './esm-import';

/** The VAD works on 16 kHz audio in frames of 20 ms (WebRTC's VAD takes 10, 20 or 30 ms). */
export const VAD_SAMPLE_RATE = 16_000;
export const VAD_FRAME_MS = 20;
const FRAME_SAMPLES = (VAD_SAMPLE_RATE * VAD_FRAME_MS) / 1000;

/** WebRTC VAD aggressiveness: 0 lets most sound count as speech, 3 is the strictest. */
export type VadMode = 0 | 1 | 2 | 3;

/** Frames quieter than this (RMS, dB below full scale) are never speech. */
export const DEFAULT_MIN_SPEECH_LEVEL_DBFS = -55;

/** Whether a frame of audio holds speech. */
export interface VoiceActivityDetector {
  /** A frame of {@link VAD_FRAME_MS} of 16-bit mono PCM at {@link VAD_SAMPLE_RATE}. */
  isVoiced(frame: Buffer): boolean;
  close(): void;
}

/** The parts of the Emscripten module of @echogarden/fvad-wasm (libfvad) this adapter uses. */
interface FvadModule {
  HEAP16: Int16Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _fvad_new(): number;
  _fvad_free(instance: number): void;
  _fvad_set_mode(instance: number, mode: number): number;
  _fvad_set_sample_rate(instance: number, rate: number): number;
  _fvad_process(instance: number, frame: number, samples: number): number;
}

let loading: Promise<{ module: FvadModule; frame: number }> | undefined;

/** Loads the WASM module once per process, with one frame buffer every detector shares (JS is single-threaded). */
function loadFvad(): Promise<{ module: FvadModule; frame: number }> {
  loading ??= (async () => {
    const file = createRequire(__filename).resolve('@echogarden/fvad-wasm');
    const factory = (await importEsModule(file)) as { default: () => Promise<FvadModule> };
    const module = await factory.default();
    return { module, frame: module._malloc(FRAME_SAMPLES * 2) };
  })().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * WebRTC's VAD (libfvad compiled to WebAssembly): a GMM over sub-band energies, not a level threshold.
 * After speech it keeps saying "voiced" for a few frames (its hangover: 120 ms in mode 3 after a
 * sentence), even over digital silence; the turn detector already waits out its own end-of-turn
 * silence, so that hangover would only delay every answer. A frame below `minLevelDbfs` is therefore
 * not speech whatever the GMM says (it still sees the frame, so its noise model stays current).
 */
export class WebRtcVad implements VoiceActivityDetector {
  private closed = false;

  private constructor(
    private readonly module: FvadModule,
    private readonly frame: number,
    private readonly instance: number,
    /** Sum of squared samples of a frame at the minimum level. */
    private readonly minEnergy: number,
  ) {}

  static async create(mode: VadMode, minLevelDbfs = DEFAULT_MIN_SPEECH_LEVEL_DBFS): Promise<WebRtcVad> {
    const { module, frame } = await loadFvad();
    const instance = module._fvad_new();
    if (instance === 0) throw new Error('libfvad could not allocate a detector');
    if (
      module._fvad_set_mode(instance, mode) !== 0 ||
      module._fvad_set_sample_rate(instance, VAD_SAMPLE_RATE) !== 0
    ) {
      module._fvad_free(instance);
      throw new Error(`libfvad refused mode ${mode} at ${VAD_SAMPLE_RATE} Hz`);
    }
    const minRms = 32_768 * 10 ** (minLevelDbfs / 20);
    return new WebRtcVad(module, frame, instance, minRms * minRms * FRAME_SAMPLES);
  }

  isVoiced(frame: Buffer): boolean {
    if (this.closed) return false;
    if (frame.length !== FRAME_SAMPLES * 2) throw new Error(`a VAD frame holds ${FRAME_SAMPLES} samples`);
    // An Int16Array view needs an even offset; a Buffer sliced at an odd one is copied first.
    const aligned = frame.byteOffset % 2 === 0 ? frame : Buffer.from(frame);
    const samples = new Int16Array(aligned.buffer, aligned.byteOffset, FRAME_SAMPLES);
    // The heap view is read each time: it is replaced whenever the WASM memory grows.
    this.module.HEAP16.set(samples, this.frame / 2);
    const voiced = this.module._fvad_process(this.instance, this.frame, FRAME_SAMPLES) === 1;
    if (!voiced) return false;
    let energy = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) energy += samples[i]! * samples[i]!;
    return energy >= this.minEnergy;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.module._fvad_free(this.instance);
  }
}
