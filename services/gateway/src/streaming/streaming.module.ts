import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { StreamAdmission } from './stream-admission.service';
import { StreamCatalog } from './stream-catalog';
import { StreamOwnership } from './stream-ownership';
import { StreamRelay } from './stream-relay.service';
import { StreamsController } from './streams.controller';

/**
 * The streaming edge: relays any contract's streams to clients (SSE here, `/ws` in the ws module),
 * with admission, ownership, resume and cancellation handled once. Feature modules import it and
 * declare their endpoints with `@RelaysStream`.
 */
@Module({
  imports: [DiscoveryModule, RateLimitsModule],
  controllers: [StreamsController],
  providers: [StreamAdmission, StreamOwnership, StreamCatalog, StreamRelay],
  exports: [StreamRelay, StreamCatalog],
})
export class StreamingModule {}
