import { readAppleHealthElements } from './apple-health-elements';
import { mapAppleHealthElement, type AppleHealthReading } from './apple-health-readings';

export interface AppleHealthImportOptions {
  /** The bytes of `export.xml` as they arrive (a file stream, an inflating zip entry). */
  chunks: AsyncIterable<Uint8Array | string>;
  /** Readings per call of `write`; the reading pauses until each call has finished (backpressure). */
  batchSize: number;
  /** Stores a batch; `lines` says where in export.xml it came from (`lines 1–5210`). */
  write: (readings: AppleHealthReading[], lines: string) => Promise<void>;
  /** A record that could not be read (`line 812`), and why; the import goes on. */
  reject: (item: string, reason: string) => void;
}

export interface AppleHealthImportSummary {
  /** Readings handed to `write`. */
  accepted: number;
  rejected: number;
  /** Records of types the platform does not keep (food, routes, clinical records). */
  skipped: number;
}

/**
 * Streams an export through the XML reader and the mapping into bounded batches. A record that cannot be
 * read is rejected with its line and reason and the import goes on; only an unreadable stream or a
 * failing write ends it, by throwing.
 */
export async function importAppleHealth(
  options: AppleHealthImportOptions,
): Promise<AppleHealthImportSummary> {
  const summary: AppleHealthImportSummary = { accepted: 0, rejected: 0, skipped: 0 };
  let batch: AppleHealthReading[] = [];
  let firstLine = 0;
  let lastLine = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const full = batch;
    batch = [];
    await options.write(full, `lines ${firstLine}–${lastLine}`);
    summary.accepted += full.length;
  };

  for await (const element of readAppleHealthElements(options.chunks)) {
    const mapped = mapAppleHealthElement(element);
    switch (mapped.outcome) {
      case 'reading':
        if (batch.length === 0) firstLine = element.line;
        lastLine = element.line;
        batch.push(mapped.reading);
        if (batch.length >= options.batchSize) await flush();
        break;
      case 'skipped':
        summary.skipped += 1;
        break;
      case 'rejected':
        summary.rejected += 1;
        options.reject(`line ${element.line}`, mapped.reason);
        break;
    }
  }
  await flush();
  return summary;
}
