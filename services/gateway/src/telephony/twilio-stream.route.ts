import { Injectable, OnModuleInit } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { GatewayWebSocketServer } from '../ws/gateway-websocket.server';
import { CallTokens } from './call-tokens';
import { TwilioMediaStream } from './twilio-media-stream';

export const TWILIO_STREAM_PATH = '/ws/twilio';

/** `/ws/twilio/<call token>`: Twilio's media streams, authorised by the one-time token in the path. */
@Injectable()
export class TwilioStreamRoute implements OnModuleInit {
  constructor(
    private readonly server: GatewayWebSocketServer,
    private readonly bus: Bus,
    private readonly tokens: CallTokens,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    this.server.addAnonymousRoute(TWILIO_STREAM_PATH, {
      open: (socket, token) =>
        new TwilioMediaStream(socket, token, {
          bus: this.bus,
          tokens: this.tokens,
          maxFrameBytes: this.config.VOICE_MAX_FRAME_BYTES,
        }),
    });
  }
}
