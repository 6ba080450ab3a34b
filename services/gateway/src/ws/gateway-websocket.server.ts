import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ListeningClock } from '@conduit/bus';
import { WsCloseCode } from '@conduit/contracts';
import { InjectConfig, ShutdownCoordinator, waitUntil } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { ApiKeyRevocations } from '../identity/api-keys/api-key-revocations';
import { Authenticator } from '../identity/authenticator.service';
import { callerContextOf } from '../identity/caller-context';
import { bearerTokenFrom } from '../identity/bearer-token';
import type { Principal } from '../identity/principal';
import { RequestRateLimiter } from '../rate-limits/request-rate-limiter.service';
import { rateLimitHeaders } from '../rate-limits/request-window';
import { StreamCatalog } from '../streaming/stream-catalog';
import { StreamRelay } from '../streaming/stream-relay.service';
import { WsClientSession } from './ws-client-session';
import type { AnonymousWsRoute, WsConnection, WsRoute } from './ws-connection';
import { WsUserSessions } from './ws-user-sessions';

export const WS_PATH = '/ws';
const MAX_FRAME_BYTES = 256 * 1024;

/**
 * The one multiplexed `/ws` endpoint for every service's streams, and the other WebSocket routes
 * registered with {@link addRoute} (`/ws/voice`): authenticates the upgrade (Authorization header, or
 * `access_token` in the query for browsers), then hands the socket to the path's route (`/ws`: a
 * {@link WsClientSession}). Pings every connection and drops the ones that stop answering. A connection
 * lives no longer than its credential: it is closed when its access token expires (4401) or its API
 * key is revoked on any replica (4403). On shutdown it refuses new upgrades and, before the HTTP
 * server closes, asks every client to reconnect elsewhere (`reconnect`, then close code 1012).
 */
@Injectable()
export class GatewayWebSocketServer implements BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger(GatewayWebSocketServer.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly sessions = new Map<WebSocket, WsConnection>();
  private readonly routes = new Map<string, WsRoute>();
  private readonly anonymousRoutes = new Map<string, AnonymousWsRoute>();
  private heartbeat: NodeJS.Timeout | null = null;
  /** Tells a silent client from this process's own stall (pongs then wait unread in the sockets). */
  private readonly pingClock: ListeningClock;
  private stopping = false;
  private readonly stopListeningForRevocations: () => void;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly relay: StreamRelay,
    private readonly catalog: StreamCatalog,
    @InjectConfig() private readonly config: GatewayConfig,
    shutdown: ShutdownCoordinator,
    private readonly requestLimiter: RequestRateLimiter,
    revocations: ApiKeyRevocations,
    userSessions: WsUserSessions,
  ) {
    this.pingClock = new ListeningClock(config.WS_PING_INTERVAL_MS);
    shutdown.register('websockets', {
      stopIntake: () => this.askClientsToReconnect(),
      drain: (deadline) => this.waitForClosed(deadline),
    });
    this.stopListeningForRevocations = revocations.onRevoked((apiKeyId) => this.closeOpenedWith(apiKeyId));
    this.addRoute(WS_PATH, {
      open: (socket, caller) => {
        const session = new WsClientSession(socket, caller, {
          relay: this.relay,
          catalog: this.catalog,
          requestLimiter: this.requestLimiter,
          maxStreams: this.config.WS_MAX_STREAMS_PER_CONNECTION,
        });
        userSessions.add(session);
        socket.on('close', () => userSessions.remove(session));
        return session;
      },
    });
  }

  /** Serves authenticated upgrades of `path` (authentication, rate limit, pings and shutdown as for `/ws`). */
  addRoute(path: string, route: WsRoute): void {
    this.routes.set(path, route);
  }

  /**
   * Serves upgrades of `<prefix>/<rest>` without credentials or rate limit (`/ws/twilio/<call token>`):
   * the route checks `rest` itself. Pings and shutdown as for the others.
   */
  addAnonymousRoute(prefix: string, route: AnonymousWsRoute): void {
    this.anonymousRoutes.set(prefix, route);
  }

  onModuleDestroy(): void {
    this.stopListeningForRevocations();
  }

  get openConnections(): number {
    return this.sessions.size;
  }

  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(request, socket, head);
    });
    this.heartbeat = setInterval(() => this.pingAll(), this.config.WS_PING_INTERVAL_MS);
    this.heartbeat.unref();
    this.pingClock.start();
  }

  /** Upgrades stop; every client is told to reconnect (to another replica) and its socket closed. */
  askClientsToReconnect(): void {
    this.stopping = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const [socket, session] of this.sessions) {
      session.askToReconnect();
      socket.close(1012, 'server restarting');
    }
    this.wss.close();
  }

  /** Closing handshakes get until `deadline`; sockets still open then are cut. */
  async waitForClosed(deadline: number): Promise<void> {
    await waitUntil(() => this.sessions.size === 0, deadline);
    for (const socket of this.sessions.keys()) socket.terminate();
  }

  /** For a plain `app.close()`: Nest closes the HTTP server next, which waits for upgraded sockets. */
  async beforeApplicationShutdown(): Promise<void> {
    this.askClientsToReconnect();
    await this.waitForClosed(Date.now() + 2_000);
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (this.stopping) return refuse(socket, 503, 'Service Unavailable');
    const url = new URL(request.url ?? '/', 'http://gateway');
    const route = this.routes.get(url.pathname);
    if (!route) return this.upgradeAnonymous(url.pathname, request, socket, head);
    let principal: Principal;
    try {
      const bearer = bearerTokenFrom(request.headers.authorization) ?? url.searchParams.get('access_token');
      principal = await this.authenticator.authenticate(bearer);
    } catch {
      return refuse(socket, 401, 'Unauthorized');
    }
    if (this.stopping) return refuse(socket, 503, 'Service Unavailable');
    // An upgrade is an authenticated request like any other, and counts as one.
    const decision = await this.requestLimiter.check(principal);
    if (decision && !decision.allowed) {
      const retryAfter = String(Math.ceil((decision.retryAfterMs ?? decision.resetMs) / 1000));
      return refuse(socket, 429, 'Too Many Requests', {
        'Retry-After': retryAfter,
        ...rateLimitHeaders(decision),
      });
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const session = route.open(ws, callerContextOf(principal, request.headers));
      const expiry =
        principal.expiresAt === undefined ? null : this.closeAtExpiry(session, principal.expiresAt);
      this.track(ws, session, () => {
        if (expiry) clearTimeout(expiry);
      });
    });
  }

  private upgradeAnonymous(path: string, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    for (const [prefix, route] of this.anonymousRoutes) {
      if (!path.startsWith(`${prefix}/`)) continue;
      const rest = path.slice(prefix.length + 1);
      const refusal = route.admit?.(request);
      if (refusal) return refuse(socket, refusal.status, refusal.reason);
      this.wss.handleUpgrade(request, socket, head, (ws) => this.track(ws, route.open(ws, rest)));
      return;
    }
    refuse(socket, 404, 'Not Found');
  }

  private track(ws: WebSocket, session: WsConnection, onClose?: () => void): void {
    this.sessions.set(ws, session);
    ws.on('close', () => {
      onClose?.();
      this.sessions.delete(ws);
    });
  }

  private closeAtExpiry(session: WsConnection, expiresAt: number): NodeJS.Timeout {
    const timer = setTimeout(
      () => session.close(WsCloseCode.CredentialExpired, 'access token expired'),
      // setTimeout fires at once past its 32-bit limit; no access token lives that long anyway.
      Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1),
    );
    timer.unref();
    return timer;
  }

  private closeOpenedWith(apiKeyId: string): void {
    for (const session of this.sessions.values()) {
      if (session.caller?.apiKeyId === apiKeyId)
        session.close(WsCloseCode.CredentialRevoked, 'API key revoked');
    }
  }

  private pingAll(): void {
    const stalledBefore = this.pingClock.stalledMs;
    this.pingClock.tick();
    // After a stall of this process the answers to the last ping may be waiting unread: ask again.
    const judge = this.pingClock.stalledMs === stalledBefore;
    for (const [ws, session] of this.sessions) {
      if (!session.alive && judge) {
        this.logger.debug('dropping a WebSocket that stopped answering pings');
        ws.terminate();
        continue;
      }
      session.alive = false;
      ws.ping();
    }
  }
}

function refuse(socket: Duplex, status: number, reason: string, headers: Record<string, string> = {}): void {
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n${extra.join('')}Connection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}
