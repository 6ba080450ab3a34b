import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { HealthController } from '@conduit/service-kit';
import { PUBLIC_ROUTE } from '../http/api-route.decorator';
import { Authenticator } from './authenticator.service';
import { bearerTokenFrom } from './bearer-token';
import type { AuthenticatedRequest } from './principal';

/** Global guard: every HTTP route needs a bearer credential unless it is declared public. */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || this.isPublic(context)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    request.principal = await this.authenticator.authenticate(bearerTokenFrom(request.headers.authorization));
    return true;
  }

  private isPublic(context: ExecutionContext): boolean {
    // Probes come from service-kit, which knows nothing of @ApiRoute.
    if (context.getClass() === HealthController) return true;
    return this.reflector.get<boolean | undefined>(PUBLIC_ROUTE, context.getHandler()) === true;
  }
}
