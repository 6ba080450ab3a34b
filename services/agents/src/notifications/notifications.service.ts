import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type ListNotificationsQuery, type Notification } from '@conduit/contracts';
import { decodeSeqCursor, encodeSeqCursor } from '@conduit/service-kit';
import { NotificationRepository } from './notification.repository';

const CURSOR_TAG = 'n';

/** A user's notifications: listed newest first (all, unread or read), marked read one by one or all at once. */
@Injectable()
export class NotificationsService {
  constructor(private readonly notifications: NotificationRepository) {}

  async list(
    userId: string,
    query: ListNotificationsQuery,
  ): Promise<{ data: Notification[]; unreadCount: number; nextCursor: string | null }> {
    const beforeSeq = query.cursor === undefined ? undefined : decodeSeqCursor(CURSOR_TAG, query.cursor);
    const [rows, unreadCount] = await Promise.all([
      this.notifications.list(userId, {
        ...(query.unread === undefined ? {} : { unread: query.unread }),
        ...(beforeSeq ? { beforeSeq } : {}),
        limit: query.limit + 1,
      }),
      this.notifications.unreadCount(userId),
    ]);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map((row) => row.notification),
      unreadCount,
      nextCursor: rows.length > query.limit && last ? encodeSeqCursor(CURSOR_TAG, last.seq) : null,
    };
  }

  async markRead(userId: string, id: string): Promise<Notification> {
    const stored = await this.notifications.markRead(userId, id, new Date());
    if (!stored) throw new DomainError(ErrorCode.NotFound, 'No notification with that id');
    return stored.notification;
  }

  async markAllRead(userId: string): Promise<{ updated: number }> {
    return { updated: await this.notifications.markAllRead(userId, new Date()) };
  }
}
