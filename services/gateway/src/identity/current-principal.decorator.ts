import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest, Principal } from './principal';
import { unauthenticated } from './unauthenticated.error';

/** The authenticated {@link Principal} of the current HTTP request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    // Only reachable on a public route, where no credentials were checked.
    if (!principal) throw unauthenticated();
    return principal;
  },
);
