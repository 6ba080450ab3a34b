import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportFailure, type Importer } from '../ingestion/import-sink';
import { AppleHealthExportError, openAppleHealthExport } from './apple-health-export-file';
import { importAppleHealth } from './apple-health-import';
import { toHealthSamples } from './apple-health-samples';

/** Readings per stored unit (one transaction): a few MB of samples at most. */
export const APPLE_HEALTH_BATCH_SIZE = 5_000;

/**
 * Reads an Apple Health export (export.xml, or the zip the Health app shares) into the uploader's samples:
 * streamed through the zip and XML readers from a temporary file, each batch of readings stored as one unit,
 * each record that cannot be read rejected with its line; the rest of the export is still stored.
 */
export function appleHealthImporter(batchSize = APPLE_HEALTH_BATCH_SIZE): Importer {
  return async (sink) => {
    const userId = sink.ownerId;
    if (!userId) throw new ImportFailure('An Apple Health export is imported for the user who uploads it');
    const dir = await mkdtemp(join(tmpdir(), 'apple-health-'));
    try {
      const path = join(dir, sink.filename?.endsWith('.zip') ? 'export.zip' : 'export.xml');
      await sink.saveContent(path);
      const chunks = await openAppleHealthExport(path).catch((error: unknown) => {
        throw error instanceof AppleHealthExportError ? new ImportFailure(error.message) : error;
      });
      const summary = await importAppleHealth({
        chunks,
        batchSize,
        write: (readings, lines) =>
          sink.write({
            item: `export.xml ${lines}`,
            userId,
            batches: [{ samples: readings.flatMap(toHealthSamples), replaceRecords: false }],
          }),
        reject: (item, reason) => sink.reject(`export.xml ${item}`, reason),
      });
      if (summary.accepted === 0 && summary.rejected === 0)
        throw new ImportFailure('The export holds no records of the kinds the platform keeps');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
