import { ErrorCode } from '@conduit/contracts';
import type { ScriptedFault } from '@conduit/testing';
import type { GeneratedImage, ImageGenerator, ImageRequest } from '../image-generator.port';
import { providerFailureOf } from './provider-failure-of';

export type GeneratorFactory = (overrides?: { apiKey?: string; timeoutMs?: number }) => ImageGenerator;

/** Runs `request` (with `over` applied) on a generator, collecting the progress it reports. */
export function runImages(
  request: ImageRequest,
  generatorWith: GeneratorFactory,
): (
  generator?: ImageGenerator,
  over?: Partial<ImageRequest>,
  percents?: number[],
) => Promise<GeneratedImage[]> {
  return (generator = generatorWith(), over = {}, percents = []) =>
    generator.generate(
      { ...request, ...over },
      { signal: new AbortController().signal, onProgress: (p) => percents.push(p) },
    );
}

/**
 * What every HTTP image adapter must do with a provider that cannot be reached, never answers, or is
 * cancelled mid-call; `enqueue` scripts the fake's next answers.
 */
export function itHandlesTransportFaults(
  request: ImageRequest,
  generatorWith: GeneratorFactory,
  enqueue: (...faults: ScriptedFault[]) => void,
): void {
  const run = runImages(request, generatorWith);

  it('takes a dropped connection and a provider that never answers as passing faults', async () => {
    enqueue({ kind: 'drop' });
    expect(await providerFailureOf(run())).toMatchObject({
      code: ErrorCode.ProviderUnavailable,
      retryable: true,
    });
    enqueue({ kind: 'stall' });
    expect(await providerFailureOf(run(generatorWith({ timeoutMs: 200 })))).toMatchObject({
      code: ErrorCode.ProviderTimeout,
      retryable: true,
    });
  });

  it('stops at once when the job is cancelled', async () => {
    enqueue({ kind: 'stall' });
    const controller = new AbortController();
    const call = generatorWith().generate(request, {
      signal: controller.signal,
      onProgress: () => undefined,
    });
    controller.abort(new Error('cancelled by the user'));
    await expect(call).rejects.toThrow('cancelled by the user');
  });
}
