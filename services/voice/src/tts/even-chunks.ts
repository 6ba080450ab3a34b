/**
 * A response body of 16-bit PCM as Buffers of whole samples, yielded as they arrive: an odd byte at the
 * end of one network read waits for the next. Stops quietly once `signal` aborts.
 */
export async function* evenChunks(
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const bytes of body) {
    if (signal.aborted) return;
    const data = carry
      ? Buffer.concat([carry, bytes])
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const whole = data.length - (data.length % 2);
    carry = whole < data.length ? Buffer.from(data.subarray(whole)) : undefined;
    if (whole > 0) yield data.subarray(0, whole);
  }
}
