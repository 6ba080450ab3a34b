import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, concatMap, type Observable } from 'rxjs';
import type { AuthenticatedRequest, Principal } from '../identity/principal';
import { deferRequestCount, ResponseRequestCount, STARTS_STREAM } from './request-count';
import { refusal, RequestRateLimiter } from './request-rate-limiter.service';

/**
 * Counts every authenticated HTTP request against its key's or user's per-minute limit. Interceptors
 * run after every guard, so authentication has already named the caller; routes without a caller
 * (health probes, docs, OpenAPI, sign-up and sign-in) are not counted here. Registered ahead of
 * validation, so malformed requests count too.
 *
 * On a {@link StartsStream} route the stream admission counts the request, along with the stream's
 * slot; a request that ends before it got there (invalid input, say) is counted here on its way out,
 * and refused if over the limit, so it is answered as it would have been had it been counted first.
 */
@Injectable()
export class RequestRateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly limiter: RequestRateLimiter,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & AuthenticatedRequest>();
    const principal = request.principal;
    if (!principal) return next.handle();
    const count = new ResponseRequestCount(http.getResponse<FastifyReply>().raw);
    if (!this.reflector.get<boolean | undefined>(STARTS_STREAM, context.getHandler())) {
      await this.count(principal, count);
      return next.handle();
    }
    deferRequestCount(request, count);
    const countUnlessAdmitted = () => (count.isCounted ? Promise.resolve() : this.count(principal, count));
    return next.handle().pipe(
      concatMap(async (value) => {
        await countUnlessAdmitted();
        return value;
      }),
      catchError(async (error: unknown) => {
        await countUnlessAdmitted();
        throw error;
      }),
    );
  }

  private async count(principal: Principal, count: ResponseRequestCount): Promise<void> {
    const decision = await this.limiter.check(principal);
    count.counted(decision);
    if (decision && !decision.allowed) throw refusal(decision);
  }
}
