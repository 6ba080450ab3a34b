import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ChatStreamsService } from '../chat/chat-streams.service';
import { callerContextOf } from '../chat/caller-context';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../gateway-config.token';
import { Authenticator } from '../identity/authenticator.service';
import { bearerTokenFrom } from '../identity/bearer-token';
import type { Principal } from '../identity/principal';
import { WsClientSession } from './ws-client-session';

export const WS_PATH = '/ws';
const MAX_FRAME_BYTES = 256 * 1024;

/**
 * The `/ws` endpoint: authenticates the upgrade (Authorization header, or `access_token` in the query
 * for browsers), then hands the socket to a {@link WsClientSession}. Pings every connection and drops
 * the ones that stop answering; on shutdown asks every client to reconnect elsewhere.
 */
@Injectable()
export class ChatWebSocketServer implements OnApplicationShutdown {
  private readonly logger = new Logger(ChatWebSocketServer.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly sessions = new Map<WebSocket, WsClientSession>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly chat: ChatStreamsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  get openConnections(): number {
    return this.sessions.size;
  }

  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(request, socket, head);
    });
    this.heartbeat = setInterval(() => this.pingAll(), this.config.WS_PING_INTERVAL_MS);
    this.heartbeat.unref();
  }

  onApplicationShutdown(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const [socket, session] of this.sessions) {
      session.send({ type: 'reconnect' });
      socket.close(1012, 'server restarting');
    }
    this.wss.close();
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    let principal: Principal;
    try {
      const bearer = bearerTokenFrom(request.headers.authorization) ?? url.searchParams.get('access_token');
      principal = await this.authenticator.authenticate(bearer);
    } catch {
      return refuse(socket, 401, 'Unauthorized');
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const session = new WsClientSession(
        ws,
        callerContextOf(principal, request.headers),
        this.chat,
        this.config.WS_MAX_STREAMS_PER_CONNECTION,
      );
      this.sessions.set(ws, session);
      ws.on('close', () => this.sessions.delete(ws));
    });
  }

  private pingAll(): void {
    for (const [ws, session] of this.sessions) {
      if (!session.alive) {
        this.logger.debug('dropping a WebSocket that stopped answering pings');
        ws.terminate();
        continue;
      }
      session.alive = false;
      ws.ping();
    }
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
