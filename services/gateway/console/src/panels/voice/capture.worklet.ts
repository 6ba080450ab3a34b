import { PcmDownsampler } from './pcm-downsampler';

// The AudioWorkletGlobalScope's names (TypeScript's DOM library does not describe that scope).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(
  name: string,
  processor: new (options: { processorOptions?: CaptureOptions }) => AudioWorkletProcessor,
): void;

interface CaptureOptions {
  readonly outputRate: number;
  readonly frameSamples: number;
}

/**
 * The microphone's first channel at the context's rate, downsampled to `outputRate` 16-bit PCM and
 * posted to the main thread as one transferred ArrayBuffer per frame of `frameSamples`.
 */
class PcmCaptureProcessor extends AudioWorkletProcessor {
  private readonly downsampler: PcmDownsampler;

  constructor(options: { processorOptions?: CaptureOptions }) {
    super();
    const { outputRate = 16_000, frameSamples = 320 } = options.processorOptions ?? {};
    this.downsampler = new PcmDownsampler(sampleRate, outputRate, frameSamples, (frame) =>
      this.port.postMessage(frame.buffer, [frame.buffer]),
    );
  }

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (channel) this.downsampler.push(channel);
    return true;
  }
}

registerProcessor('pcm-capture', PcmCaptureProcessor);
