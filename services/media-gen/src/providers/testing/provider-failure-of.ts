import { ProviderFailure } from '../provider-failure';

/** The ProviderFailure a provider call ended with; fails the test when it ended any other way. */
export async function providerFailureOf(promise: Promise<unknown>): Promise<ProviderFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderFailure))
    throw new Error(`expected a ProviderFailure, got ${String(error)}`);
  return error;
}
