import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CallerContext } from '@conduit/contracts';
import type { AuthenticatedRequest } from '../identity/principal';
import { unauthenticated } from '../identity/unauthenticated.error';
import { callerContextOf } from './caller-context';

/** The current request's {@link CallerContext}: its principal and trace context, ready for the bus. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): CallerContext => {
  const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
  if (!request.principal) throw unauthenticated();
  return callerContextOf(request.principal, request.headers);
});
