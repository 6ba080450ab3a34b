import { Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { AgentsSchedulesContract } from '@conduit/contracts';
import { NotificationRepository, type StoredNotification } from './notification.repository';

/** How long a stored notification may wait for its event before a sweep publishes it again. */
const REPUBLISH_AFTER_MS = 5_000;
const SWEEP_BATCH = 100;

/**
 * Announces stored notifications with the durable `agents.notification.created` (JetStream), once
 * each: the notification's id is the message id, so a publish repeated after a lost acknowledgement is
 * stored once. A publish that failed (NATS away) is retried by {@link sweep}, which every scheduler
 * tick runs; the row is marked once JetStream has acknowledged it.
 */
@Injectable()
export class NotificationPublisher {
  private readonly logger = new Logger(NotificationPublisher.name);

  constructor(
    private readonly bus: Bus,
    private readonly notifications: NotificationRepository,
  ) {}

  async ensureStream(): Promise<void> {
    await this.bus.ensureEventStreams([AgentsSchedulesContract.notificationCreated]);
  }

  /** Publishes one; false (logged) when it could not be, for the sweep to try again. */
  async publish(stored: StoredNotification, now: Date): Promise<boolean> {
    try {
      await this.bus.publish(
        AgentsSchedulesContract.notificationCreated,
        { userId: stored.userId, notification: stored.notification },
        { userId: stored.userId },
        { messageId: stored.notification.id },
      );
      await this.notifications.markPublished(stored.notification.id, now);
      return true;
    } catch (error) {
      this.logger.warn(`could not publish notification ${stored.notification.id}: ${String(error)}`);
      return false;
    }
  }

  /** Publishes again what is still unpublished a while after it was stored. */
  async sweep(now: Date): Promise<void> {
    const pending = await this.notifications.unpublished(
      new Date(now.getTime() - REPUBLISH_AFTER_MS),
      SWEEP_BATCH,
    );
    for (const stored of pending) if (!(await this.publish(stored, now))) return;
  }
}
