import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../identity/principal';
import { refusal, RequestRateLimiter } from './request-rate-limiter.service';
import { rateLimitHeaders } from './request-window';

/**
 * Counts every authenticated HTTP request against its key's or user's per-minute limit. Interceptors
 * run after every guard, so authentication has already named the caller; routes without a caller
 * (health probes, docs, OpenAPI, sign-up and sign-in) are not counted here. Registered ahead of
 * validation, so malformed requests count too.
 *
 * The RateLimit-* headers go on the raw response: server-sent-event relays write their headers
 * straight to it, bypassing Fastify's reply.
 */
@Injectable()
export class RequestRateLimitInterceptor implements NestInterceptor {
  constructor(private readonly limiter: RequestRateLimiter) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const principal = http.getRequest<FastifyRequest & AuthenticatedRequest>().principal;
    if (!principal) return next.handle();
    const decision = await this.limiter.check(principal);
    if (decision) {
      const raw = http.getResponse<FastifyReply>().raw;
      for (const [name, value] of Object.entries(rateLimitHeaders(decision))) raw.setHeader(name, value);
      if (!decision.allowed) throw refusal(decision);
    }
    return next.handle();
  }
}
