import type { CallerContext } from '@conduit/contracts';
import type { Principal } from './principal';

/** A {@link CallerContext} whose user is known: what every authenticated request acts as. */
export interface AuthenticatedCaller extends CallerContext {
  userId: string;
  apiKeyId: string | null;
}

/** The envelope fields a request carries onto the bus: who it is for, and the trace it belongs to. */
export function callerContextOf(
  principal: Principal,
  headers: Record<string, string | string[] | undefined>,
): AuthenticatedCaller {
  const traceparent = headers.traceparent;
  const tracestate = headers.tracestate;
  return {
    userId: principal.userId,
    apiKeyId: principal.apiKeyId,
    traceparent: typeof traceparent === 'string' ? traceparent : null,
    tracestate: typeof tracestate === 'string' ? tracestate : null,
  };
}
