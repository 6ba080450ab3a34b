import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { RateLimitPolicy } from './rate-limit-policy.service';
import { RequestRateLimiter } from './request-rate-limiter.service';
import { StreamConcurrencyLimiter } from './stream-concurrency-limiter.service';

/**
 * Requests per minute and streams in flight, per user and per API key, shared by every gateway
 * replica through Redis. The request limit is applied by `RequestRateLimitInterceptor`
 * (registered globally by the app module) and at WebSocket upgrades and `chat.start` frames; stream
 * slots are taken where every stream starts, in the chat streams service.
 */
@Module({
  imports: [IdentityModule],
  providers: [RateLimitPolicy, RequestRateLimiter, StreamConcurrencyLimiter],
  exports: [RateLimitPolicy, RequestRateLimiter, StreamConcurrencyLimiter],
})
export class RateLimitsModule {}
