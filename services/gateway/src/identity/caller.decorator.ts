import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { callerContextOf, type AuthenticatedCaller } from './caller-context';
import type { AuthenticatedRequest } from './principal';
import { unauthenticated } from './unauthenticated.error';

/**
 * The current request's caller: its user and API key, with the trace context, ready for the bus. The
 * one way a controller learns who it serves.
 */
export const Caller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedCaller => {
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    // Only reachable on a public route, where no credentials were checked.
    if (!request.principal) throw unauthenticated();
    return callerContextOf(request.principal, request.headers);
  },
);
