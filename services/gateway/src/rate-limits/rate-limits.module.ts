import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { RateLimitPolicy } from './rate-limit-policy.service';
import { RequestRateLimiter } from './request-rate-limiter.service';
import { StreamConcurrencyLimiter } from './stream-concurrency-limiter.service';

/**
 * Requests per minute and streams in flight, per user and per API key, shared by every gateway
 * replica through Redis. The request limit is applied by `RequestRateLimitInterceptor`
 * (registered globally by the app module) and at WebSocket upgrades and `resume` frames. A request
 * that starts a stream (a `@RelaysStream()` route, a `start` frame) is counted where every stream
 * starts, by the streaming module's `StreamAdmission`, in the same Redis call that takes the
 * stream's slot.
 */
@Module({
  imports: [IdentityModule],
  providers: [RateLimitPolicy, RequestRateLimiter, StreamConcurrencyLimiter],
  exports: [RateLimitPolicy, RequestRateLimiter, StreamConcurrencyLimiter],
})
export class RateLimitsModule {}
