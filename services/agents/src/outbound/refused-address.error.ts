/** An outbound connection the address policy did not allow (after DNS resolution, or an IP literal). */
export class RefusedAddressError extends Error {
  readonly code = 'ADDRESS_REFUSED';

  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`${host} may not be reached: ${reason}`);
    this.name = 'RefusedAddressError';
  }
}

/** The refusal behind a failed request, wherever undici or fetch wrapped it. */
export function refusedAddressIn(error: unknown): RefusedAddressError | null {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof RefusedAddressError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
