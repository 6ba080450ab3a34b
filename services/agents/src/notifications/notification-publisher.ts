import { Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { AgentsSchedulesContract } from '@conduit/contracts';
import { NotificationRepository, type StoredNotification } from './notification.repository';

/** How long a stored notification may wait for its event before a sweep publishes it again. */
const REPUBLISH_AFTER_MS = 5_000;
const SWEEP_BATCH = 100;

/**
 * Announces stored notifications with the durable `agents.notification.created` (JetStream), once each:
 * the replica that stored one publishes it at once, and a sweep (every scheduler pass) publishes those
 * whose publish failed (NATS away) or whose replica died before it. Each is published under its row's
 * lock and marked in the same transaction, so no two publishers send the same one; the notification's
 * id is the message id, so JetStream stores a publish repeated after a lost acknowledgement once.
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

  /** Publishes one just stored, unless another publisher has it; a failure is left for the sweep. */
  async publish(stored: StoredNotification, now: Date): Promise<void> {
    await this.notifications
      .publishPending({ ids: [stored.notification.id] }, (row) => this.send(row), now)
      .catch((error: unknown) => this.logger.warn(`could not publish a notification: ${String(error)}`));
  }

  /** Publishes what is still unpublished a while after it was stored. */
  async sweep(now: Date): Promise<void> {
    await this.notifications.publishPending(
      { before: new Date(now.getTime() - REPUBLISH_AFTER_MS), limit: SWEEP_BATCH },
      (row) => this.send(row),
      now,
    );
  }

  private async send(stored: StoredNotification): Promise<boolean> {
    try {
      await this.bus.publish(
        AgentsSchedulesContract.notificationCreated,
        { userId: stored.userId, notification: stored.notification },
        { userId: stored.userId },
        { messageId: stored.notification.id },
      );
      return true;
    } catch (error) {
      this.logger.warn(`could not publish notification ${stored.notification.id}: ${String(error)}`);
      return false;
    }
  }
}
