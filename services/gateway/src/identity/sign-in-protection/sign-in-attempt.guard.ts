import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SignInLimiter } from './sign-in-limiter.service';

/** Counts each request to the routes it guards against its client address's per-minute limit. */
@Injectable()
export class SignInAttemptGuard implements CanActivate {
  constructor(private readonly limiter: SignInLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.limiter.admitAttempt(context.switchToHttp().getRequest<FastifyRequest>().ip);
    return true;
  }
}
