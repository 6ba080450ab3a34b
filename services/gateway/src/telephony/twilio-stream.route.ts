import type { IncomingMessage } from 'node:http';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { GatewayWebSocketServer } from '../ws/gateway-websocket.server';
import type { UpgradeRefusal } from '../ws/ws-connection';
import { CallTokens } from './call-tokens';
import { TwilioMediaStream } from './twilio-media-stream';
import { isSignedByTwilio } from './twilio-signature';

export const TWILIO_STREAM_PATH = '/ws/twilio';

/**
 * The public URL of a media stream path: the origin Twilio reaches the gateway at, with its WebSocket
 * scheme (`wss:` behind https). The TwiML names it, and Twilio signs its upgrade request with it.
 */
export function publicStreamUrl(origin: URL, pathAndQuery: string): URL {
  const url = new URL(pathAndQuery, origin);
  url.protocol = origin.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}

/**
 * `/ws/twilio/<call token>`: Twilio's media streams. The upgrade must carry Twilio's signature of the
 * stream's public URL (X-Twilio-Signature, as on the webhooks), and the socket is then authorised by
 * the one-time token in the path, which only a signed webhook hands out.
 */
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
      admit: (request) => this.admit(request),
      open: (socket, token) =>
        new TwilioMediaStream(socket, token, {
          bus: this.bus,
          tokens: this.tokens,
          maxFrameBytes: this.config.VOICE_MAX_FRAME_BYTES,
        }),
    });
  }

  private admit(request: IncomingMessage): UpgradeRefusal | null {
    const { TWILIO_AUTH_TOKEN: authToken, TWILIO_PUBLIC_BASE_URL: base } = this.config;
    if (!authToken || !base) return { status: 503, reason: 'Service Unavailable' };
    const signature = request.headers['x-twilio-signature'];
    const url = publicStreamUrl(new URL(base), request.url ?? '/').href;
    return isSignedByTwilio(authToken, typeof signature === 'string' ? signature : undefined, url, {})
      ? null
      : { status: 403, reason: 'Forbidden' };
  }
}
