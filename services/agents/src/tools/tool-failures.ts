import { ErrorCode, isDomainError } from '@conduit/contracts';
import type { ToolOutput } from './agent-tool';

/** A tool's `ok: false` answer. */
export const toolFailure = (code: string, message: string): ToolOutput => ({
  ok: false,
  error: { code, message },
});

/**
 * What a failed call to another service tells the model: a clear code it can act on (`TIMEOUT`,
 * `SERVICE_UNAVAILABLE`, the service's own `NOT_FOUND` or `VALIDATION_FAILED`), never a stack trace.
 */
export function serviceFailure(service: string, error: unknown): ToolOutput {
  if (!isDomainError(error))
    return toolFailure(ErrorCode.Internal, `The ${service} call failed unexpectedly`);
  switch (error.code) {
    case ErrorCode.Timeout:
      return toolFailure(ErrorCode.Timeout, `The ${service} service did not answer in time`);
    case ErrorCode.ServiceUnavailable:
      return toolFailure(ErrorCode.ServiceUnavailable, `The ${service} service is not available right now`);
    default:
      return toolFailure(error.code, error.message);
  }
}

/** Runs `call`, answering its result as `ok: true` and any failure as {@link serviceFailure}. */
export async function callService<T>(
  service: string,
  signal: AbortSignal,
  call: () => Promise<T>,
): Promise<ToolOutput> {
  if (signal.aborted) return toolFailure(ErrorCode.Cancelled, 'The run was stopped');
  try {
    return { ok: true, output: await untilAborted(call(), signal) };
  } catch (error) {
    if (signal.aborted) return toolFailure(ErrorCode.Cancelled, 'The run was stopped');
    return serviceFailure(service, error);
  }
}

/** `work`, or a rejection as soon as `signal` aborts (the work itself is left to end on its own). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
