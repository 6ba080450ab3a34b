import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { rateLimitHeaders, type RequestDecision } from './request-window';

/** Told how a request was counted: its decision, or null when no request limit applied (or Redis could not be asked). */
export interface RequestCountListener {
  counted(decision: RequestDecision | null): void;
}

/**
 * A request's count as its HTTP response shows it: the RateLimit-* headers. They go on the raw
 * response, since server-sent-event relays write their headers straight to it, bypassing Fastify's
 * reply.
 */
export class ResponseRequestCount implements RequestCountListener {
  private done = false;

  constructor(private readonly response: ServerResponse) {}

  get isCounted(): boolean {
    return this.done;
  }

  counted(decision: RequestDecision | null): void {
    this.done = true;
    if (!decision) return;
    for (const [name, value] of Object.entries(rateLimitHeaders(decision))) {
      this.response.setHeader(name, value);
    }
  }
}

export const STARTS_STREAM = 'conduit:starts-stream';

/**
 * Marks a route whose handler starts a stream through `StreamRelay` (`@RelaysStream` applies it),
 * handing it {@link RequestCount}: the stream admission counts the request in the same Redis call that takes
 * the stream's slot, so `RequestRateLimitInterceptor` does not count it up front (only if the handler
 * ends before the admission ran).
 */
export const StartsStream = (): MethodDecorator => SetMetadata(STARTS_STREAM, true);

const pendingCounts = new WeakMap<object, ResponseRequestCount>();

/** Leaves the count of `request` to its handler's stream admission. */
export function deferRequestCount(request: object, count: ResponseRequestCount): void {
  pendingCounts.set(request, count);
}

/** The current request's count, left to the stream admission; only on {@link StartsStream} routes. */
export const RequestCount = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestCountListener => {
    const count = pendingCounts.get(context.switchToHttp().getRequest<object>());
    if (!count) throw new Error('@RequestCount() needs the route to be marked @StartsStream()');
    return count;
  },
);
