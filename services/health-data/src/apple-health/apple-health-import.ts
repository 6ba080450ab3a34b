import { readAppleHealthElements } from './apple-health-elements';
import { mapAppleHealthElement, type AppleHealthReading } from './apple-health-readings';

export interface AppleHealthImportOptions {
  /** The bytes of `export.xml` as they arrive (a file stream, an inflating zip entry). */
  chunks: AsyncIterable<Uint8Array | string>;
  /**
   * Readings per call of `write`. One batch is written at a time, in order; the next one is read and
   * mapped meanwhile, and the reading pauses once it is full until the write before it has finished
   * (backpressure), so at most two batches are held.
   */
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
 * failing write ends it, by throwing. Reading the export (CPU here) and storing the batch before
 * (mostly the database's time) overlap.
 */
export async function importAppleHealth(
  options: AppleHealthImportOptions,
): Promise<AppleHealthImportSummary> {
  const summary: AppleHealthImportSummary = { accepted: 0, rejected: 0, skipped: 0 };
  let batch: AppleHealthReading[] = [];
  let firstLine = 0;
  let lastLine = 0;
  let writing: Promise<void> = Promise.resolve();
  let writeFailed = false;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const full = batch;
    const lines = `lines ${firstLine}–${lastLine}`;
    batch = [];
    await writing;
    writing = options.write(full, lines).then(() => {
      summary.accepted += full.length;
    });
    // Handled here so that a failure while the next batch is read is no unhandled rejection; it is
    // thrown where the write is awaited.
    writing.catch(() => (writeFailed = true));
  };

  try {
    for await (const element of readAppleHealthElements(options.chunks)) {
      if (writeFailed) break;
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
    await writing;
    await flush();
    await writing;
  } catch (error) {
    // Nothing is left writing when the import ends, however it ends.
    await writing.catch(() => undefined);
    throw error;
  }
  return summary;
}
