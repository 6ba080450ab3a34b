import type { WebSocket } from 'ws';
import type { AuthenticatedCaller } from '../identity/caller-context';

/** One open WebSocket of any route, as the server pings, closes and drains it. */
export interface WsConnection {
  /** Cleared at each ping, set again by the client's pong. */
  alive: boolean;
  readonly caller: AuthenticatedCaller;
  /** The gateway is shutting down: the client should reconnect (to another replica). */
  askToReconnect(): void;
  close(code: number, reason: string): void;
}

/** What serves the authenticated upgrades of one path. */
export interface WsRoute {
  open(socket: WebSocket, caller: AuthenticatedCaller): WsConnection;
}
