import { ProviderError } from './provider-error';

/**
 * Checks a provider stream that ended: both SDKs end the iteration quietly when the request is
 * aborted mid-stream, so the abort is thrown here; a stream that never said why it finished was cut
 * short (`unavailable`).
 */
export function assertStreamFinished<F>(
  finish: F | undefined,
  provider: string,
  signal: AbortSignal,
): asserts finish is F {
  signal.throwIfAborted();
  if (finish === undefined) {
    throw new ProviderError(
      'unavailable',
      provider,
      `The stream from ${provider} ended before the answer was finished`,
    );
  }
}
