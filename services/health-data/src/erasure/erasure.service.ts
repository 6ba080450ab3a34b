import { Injectable } from '@nestjs/common';
import type { HealthDataErased, HealthDataErasure } from '@conduit/contracts';
import { HealthSampleRepository } from '../samples/health-sample.repository';

/**
 * Erases a user's health data in one transaction, under the same per-user lock as sample writes, so an
 * import being ingested at that moment lands wholly before or wholly after it. One source: its samples
 * and rollups. Everything: also the import records (uploads are not kept past their import) and the
 * Garmin link, so pushes for that Garmin user stop landing in the account, and the user's data key.
 */
@Injectable()
export class ErasureService {
  constructor(private readonly samples: HealthSampleRepository) {}

  erase(userId: string, request: HealthDataErasure): Promise<HealthDataErased> {
    return this.samples.inTransaction(async (tx) => {
      const samplesDeleted = await tx.eraseSamples(userId, request.source);
      if (request.source !== undefined) return { samplesDeleted, importsDeleted: 0, garminUnlinked: false };
      const imports = await tx.client.query(`DELETE FROM imports WHERE user_id = $1`, [userId]);
      const garmin = await tx.client.query(`DELETE FROM garmin_connections WHERE user_id = $1`, [userId]);
      // Nothing is left that the user's data key opens; a later link makes a new one.
      await tx.client.query(`DELETE FROM user_data_keys WHERE user_id = $1`, [userId]);
      return {
        samplesDeleted,
        importsDeleted: imports.rowCount ?? 0,
        garminUnlinked: (garmin.rowCount ?? 0) > 0,
      };
    });
  }
}
