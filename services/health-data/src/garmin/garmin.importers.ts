import { Injectable } from '@nestjs/common';
import { ImportFailure, type ImportSink, type SampleBatch } from '../ingestion/import-sink';
import { GarminConnectionRepository } from './garmin-connection.repository';
import { GarminPullClient, GarminPullRefused } from './garmin-pull.client';
import { isGarminSummaryType, summarySamples, type GarminSummaryType } from './garmin-summaries';

type Notification = Record<string, unknown>;

/**
 * Garmin Health API notifications. A push carries the summaries; a ping says where to pull them from.
 * Summaries name the Garmin user; each is stored for the user linked to it (rejected when none is), and
 * each user's summaries of one notification are stored in one transaction.
 */
@Injectable()
export class GarminImporters {
  constructor(
    private readonly connections: GarminConnectionRepository,
    private readonly client: GarminPullClient,
  ) {}

  readonly push = async (sink: ImportSink): Promise<void> => {
    const notification = parseNotification(await sink.content());
    const byUser = new Map<string, { garminUserId: string; batches: SampleBatch[] }>();
    const typed = Object.entries(notification).flatMap(([type, list]) => {
      if (!isGarminSummaryType(type)) {
        sink.reject(type, 'not a summary type this service reads');
        return [];
      }
      if (!Array.isArray(list)) {
        sink.reject(type, 'expected a list of summaries');
        return [];
      }
      return list.map((summary, index) => ({
        type,
        summary: summary as Notification,
        item: `${type}[${index}]`,
      }));
    });
    for (const { type, summary, item } of typed) {
      const garminUserId = typeof summary?.userId === 'string' ? summary.userId : null;
      if (!garminUserId) {
        sink.reject(item, 'no userId');
        continue;
      }
      const connection = await this.connections.findByGarminUser(garminUserId);
      if (!connection) {
        sink.reject(item, `no user is linked to Garmin user ${garminUserId}`);
        continue;
      }
      const batch = this.batchOf(sink, type, summary, item);
      if (!batch) continue;
      const entry = byUser.get(connection.userId) ?? { garminUserId, batches: [] };
      entry.batches.push(batch);
      byUser.set(connection.userId, entry);
    }
    sink.setTotal(byUser.size);
    for (const [userId, { garminUserId, batches }] of byUser) {
      await sink.write({ item: `summaries of Garmin user ${garminUserId}`, userId, batches });
    }
  };

  readonly ping = async (sink: ImportSink): Promise<void> => {
    const notification = parseNotification(await sink.content());
    const pings = Object.entries(notification).flatMap(([type, list]) =>
      (Array.isArray(list) ? list : []).map((ping, index) => ({
        type,
        ping: ping as Notification,
        item: `${type}[${index}]`,
      })),
    );
    sink.setTotal(pings.length);
    for (const { type, ping, item } of pings) {
      const problem = this.pingProblem(type, ping);
      if (problem) {
        sink.reject(item, problem, true);
        continue;
      }
      const garminUserId = ping.userId as string;
      const connection = await this.connections.findByGarminUser(garminUserId);
      if (!connection) {
        sink.reject(item, `no user is linked to Garmin user ${garminUserId}`, true);
        continue;
      }
      const token =
        connection.accessToken ?? (typeof ping.userAccessToken === 'string' ? ping.userAccessToken : null);
      if (!token) {
        sink.reject(item, `no access token for Garmin user ${garminUserId}`, true);
        continue;
      }
      let summaries: Notification[];
      try {
        summaries = await this.client.pull(
          type as GarminSummaryType,
          {
            uploadStartTimeInSeconds: ping.uploadStartTimeInSeconds as number,
            uploadEndTimeInSeconds: ping.uploadEndTimeInSeconds as number,
          },
          token,
        );
      } catch (error) {
        if (!(error instanceof GarminPullRefused)) throw error;
        sink.reject(item, error.message, true);
        continue;
      }
      const batches = summaries.flatMap((summary, index) => {
        if (summary.userId !== undefined && summary.userId !== garminUserId) {
          sink.reject(`${item} → ${type}[${index}]`, 'the pulled summary names another Garmin user');
          return [];
        }
        const batch = this.batchOf(sink, type as GarminSummaryType, summary, `${item} → ${type}[${index}]`);
        return batch ? [batch] : [];
      });
      await sink.write({
        item: `${item} of Garmin user ${garminUserId}`,
        userId: connection.userId,
        batches,
      });
    }
  };

  private batchOf(
    sink: ImportSink,
    type: GarminSummaryType,
    summary: Notification,
    item: string,
  ): SampleBatch | null {
    try {
      return summarySamples(type, summary);
    } catch (error) {
      sink.reject(item, (error as Error).message);
      return null;
    }
  }

  private pingProblem(type: string, ping: Notification): string | null {
    if (!isGarminSummaryType(type)) return 'not a summary type this service reads';
    if (typeof ping?.userId !== 'string') return 'no userId';
    const start = ping.uploadStartTimeInSeconds;
    const end = ping.uploadEndTimeInSeconds;
    if (typeof start !== 'number' || typeof end !== 'number' || !(end > start)) {
      return 'no upload window (uploadStartTimeInSeconds, uploadEndTimeInSeconds)';
    }
    return null;
  }
}

function parseNotification(content: Uint8Array): Notification {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(content).toString('utf8'));
  } catch {
    throw new ImportFailure('the notification is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ImportFailure('the notification is not a JSON object of summary lists');
  }
  return body as Notification;
}
