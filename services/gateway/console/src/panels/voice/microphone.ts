/** 20 ms at 16 kHz: the frame the service's VAD works on. */
export const CAPTURE_RATE = 16_000;
const FRAME_SAMPLES = 320;

/**
 * The microphone as 16 kHz 16-bit PCM frames: captured at the AudioContext's own rate and
 * downsampled in an AudioWorklet (`workletUrl`, a module served by the gateway under the console's CSP).
 */
export class Microphone {
  private constructor(
    private readonly stream: MediaStream,
    private readonly source: MediaStreamAudioSourceNode,
    private readonly node: AudioWorkletNode,
  ) {}

  static async open(
    context: AudioContext,
    workletUrl: string,
    onFrame: (frame: ArrayBuffer) => void,
  ): Promise<Microphone> {
    await context.audioWorklet.addModule(workletUrl);
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'pcm-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      processorOptions: { outputRate: CAPTURE_RATE, frameSamples: FRAME_SAMPLES },
    });
    node.port.onmessage = (message: MessageEvent<ArrayBuffer>) => onFrame(message.data);
    source.connect(node);
    return new Microphone(stream, source, node);
  }

  close(): void {
    this.source.disconnect();
    this.node.port.onmessage = null;
    for (const track of this.stream.getTracks()) track.stop();
  }
}
