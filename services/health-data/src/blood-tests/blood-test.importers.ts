import type { HealthSample } from '@conduit/contracts';
import { ImportFailure, type ImportSink } from '../ingestion/import-sink';
import { csvRows, jsonRows, normaliseResult, type BloodTestRow } from './blood-test.parser';

/** Blood test results as JSON. */
export const importBloodTestJson = (sink: ImportSink) => importRows(sink, jsonRows);

/** Blood test results as CSV. */
export const importBloodTestCsv = (sink: ImportSink) => importRows(sink, csvRows);

/**
 * The file's results, normalised, stored in one transaction; a result that cannot be read (unknown
 * analyte or unit, impossible value, future date) is rejected with its row and the others stored.
 */
async function importRows(sink: ImportSink, rowsOf: (text: string) => BloodTestRow[]): Promise<void> {
  if (!sink.ownerId) throw new ImportFailure('an upload must belong to a user');
  const content = await sink.content();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw new ImportFailure('not UTF-8 text');
  }
  const rows = rowsOf(text);
  if (rows.length === 0) throw new ImportFailure('no results in the file');
  sink.setTotal(1);
  const samples: HealthSample[] = [];
  for (const row of rows) {
    const result = normaliseResult(row.raw);
    if ('reason' in result) sink.reject(row.item, result.reason);
    else samples.push(result.sample);
  }
  await sink.write({
    item: sink.filename ?? 'blood tests',
    userId: sink.ownerId,
    batches: [{ samples, replaceRecords: false }],
  });
}
