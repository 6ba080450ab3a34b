import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { AuthenticatedCaller } from '../identity/caller-context';

/** One open WebSocket of any route, as the server pings, closes and drains it. */
export interface WsConnection {
  /** Cleared at each ping, set again by the client's pong. */
  alive: boolean;
  /** Who the connection acts for; null while a route without credentials has not learnt it yet. */
  readonly caller: AuthenticatedCaller | null;
  /** The gateway is shutting down: the client should reconnect (to another replica). */
  askToReconnect(): void;
  close(code: number, reason: string): void;
}

/** What serves the authenticated upgrades of one path. */
export interface WsRoute {
  open(socket: WebSocket, caller: AuthenticatedCaller): WsConnection;
}

/**
 * What serves the upgrades of every path under a prefix without credentials: the route authorises the
 * socket itself (from the rest of the path, a one-time token), and closes it with a clear code if not.
 */
export interface AnonymousWsRoute {
  /**
   * Checked before the upgrade (for example a request signature): a refusal answers its HTTP status
   * instead of 101, and no socket is opened.
   */
  admit?(request: IncomingMessage): UpgradeRefusal | null;
  open(socket: WebSocket, rest: string): WsConnection;
}

/** Why an upgrade is refused: the HTTP status and reason phrase it is answered with. */
export interface UpgradeRefusal {
  status: number;
  reason: string;
}
