import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { StreamingModule } from '../streaming/streaming.module';
import { GatewayWebSocketServer } from './gateway-websocket.server';
import { WsUserSessions } from './ws-user-sessions';

/** The multiplexed `/ws` edge over every stream endpoint the streaming module knows. */
@Module({
  imports: [IdentityModule, RateLimitsModule, StreamingModule],
  providers: [GatewayWebSocketServer, WsUserSessions],
  exports: [GatewayWebSocketServer, WsUserSessions],
})
export class WsModule {}
