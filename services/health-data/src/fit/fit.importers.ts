import { ImportFailure, type ImportSink } from '../ingestion/import-sink';
import { parseFitFile } from './fit-file.parser';
import { zipEntries, type ZipLimits } from './zip-entries';

/** One FIT file: stored in one transaction, or (not FIT, damaged) the import fails with the reason. */
export async function importFitFile(sink: ImportSink): Promise<void> {
  const owner = requireOwner(sink);
  const item = sink.filename ?? 'upload.fit';
  const parsed = parseFitFile(await sink.content());
  sink.setTotal(1);
  for (const rejection of parsed.rejections) sink.reject(`${item}: ${rejection.item}`, rejection.reason);
  await sink.write({ item, userId: owner, batches: parsed.batches });
}

/**
 * A zip archive of FIT files: each file is stored in a transaction of its own; a file that is not FIT
 * or is damaged is rejected with its reason and the others stored.
 */
export function fitZipImporter(limits: ZipLimits) {
  return async (sink: ImportSink): Promise<void> => {
    const owner = requireOwner(sink);
    for await (const entry of zipEntries(await sink.content(), limits, (count) => sink.setTotal(count))) {
      let parsed;
      try {
        parsed = parseFitFile(entry.bytes);
      } catch (error) {
        if (!(error instanceof ImportFailure)) throw error;
        sink.reject(entry.name, error.message, true);
        continue;
      }
      for (const rejection of parsed.rejections)
        sink.reject(`${entry.name}: ${rejection.item}`, rejection.reason);
      await sink.write({ item: entry.name, userId: owner, batches: parsed.batches });
    }
  };
}

function requireOwner(sink: ImportSink): string {
  if (!sink.ownerId) throw new ImportFailure('an upload must belong to a user');
  return sink.ownerId;
}
