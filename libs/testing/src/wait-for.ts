/**
 * Polls `check` until it holds. Tests wait for the condition they need, never for a fixed time; the
 * limit only turns a hang into a failure that names what never happened, so it is generous: a busy
 * machine must not fail a correct test. `what` may be a function, to describe the state seen at the end
 * (e.g. the frames received so far).
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`not seen within ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
