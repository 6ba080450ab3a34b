import { Injectable } from '@nestjs/common';
import type { WsServerFrame } from '@conduit/contracts';
import type { WsClientSession } from './ws-client-session';

/**
 * The open `/ws` connections of this replica by user, for frames that are not the answer to anything
 * the client asked (a new notification): each goes to every connection of its user, and no other.
 */
@Injectable()
export class WsUserSessions {
  private readonly byUser = new Map<string, Set<WsClientSession>>();

  add(session: WsClientSession): void {
    const userId = session.caller.userId;
    let sessions = this.byUser.get(userId);
    if (!sessions) {
      sessions = new Set();
      this.byUser.set(userId, sessions);
    }
    sessions.add(session);
  }

  remove(session: WsClientSession): void {
    const sessions = this.byUser.get(session.caller.userId);
    if (!sessions) return;
    sessions.delete(session);
    if (sessions.size === 0) this.byUser.delete(session.caller.userId);
  }

  /** Sends `frame` to every open connection of `userId`; how many there were. */
  sendTo(userId: string, frame: WsServerFrame): number {
    const sessions = this.byUser.get(userId);
    if (!sessions) return 0;
    for (const session of sessions) session.send(frame);
    return sessions.size;
  }
}
