import type { FastifyRequest } from 'fastify';
import { CallerContext } from '@conduit/contracts';
import type { Principal } from '../identity/principal';

/** The envelope fields a request carries onto the bus: who it is for, and the trace it belongs to. */
export function callerContextOf(
  principal: Principal,
  headers: FastifyRequest['headers'] | Record<string, unknown>,
): CallerContext {
  const traceparent = headers.traceparent;
  const tracestate = headers.tracestate;
  return {
    userId: principal.userId,
    apiKeyId: principal.apiKeyId,
    traceparent: typeof traceparent === 'string' ? traceparent : null,
    tracestate: typeof tracestate === 'string' ? tracestate : null,
  };
}
