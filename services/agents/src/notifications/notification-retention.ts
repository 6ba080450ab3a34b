import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import type { AgentsConfig } from '../config';
import { NotificationRepository } from './notification.repository';

/** Notifications deleted by one statement. */
const DELETE_BATCH = 1_000;
/** Statements one pass makes at most: a large backlog goes over several passes, not in one long one. */
const MAX_BATCHES_PER_PASS = 10;

/**
 * Deletes notifications older than AGENTS_NOTIFICATION_RETENTION_MS, read or not (the scheduler's
 * passes call it, at most once a minute). Safe with several replicas doing it at once: each statement
 * skips the rows another one holds, and deleting is the same whoever does it.
 */
@Injectable()
export class NotificationRetention {
  constructor(
    private readonly notifications: NotificationRepository,
    @InjectConfig() private readonly config: AgentsConfig,
  ) {}

  /** Returns how many were deleted. */
  async prune(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.config.AGENTS_NOTIFICATION_RETENTION_MS);
    let deleted = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
      const count = await this.notifications.deleteCreatedBefore(before, DELETE_BATCH);
      deleted += count;
      if (count < DELETE_BATCH) break;
    }
    return deleted;
  }
}
