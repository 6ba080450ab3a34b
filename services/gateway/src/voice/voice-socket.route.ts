import { Injectable, OnModuleInit } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { GatewayWebSocketServer } from '../ws/gateway-websocket.server';
import { VoiceConnection } from './voice-connection';

export const VOICE_WS_PATH = '/ws/voice';

/** `/ws/voice`: a live voice session per socket, authenticated and watched like `/ws`. */
@Injectable()
export class VoiceSocketRoute implements OnModuleInit {
  constructor(
    private readonly server: GatewayWebSocketServer,
    private readonly bus: Bus,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    this.server.addRoute(VOICE_WS_PATH, {
      open: (socket, caller) =>
        new VoiceConnection(socket, caller, {
          bus: this.bus,
          maxFrameBytes: this.config.VOICE_MAX_FRAME_BYTES,
        }),
    });
  }
}
