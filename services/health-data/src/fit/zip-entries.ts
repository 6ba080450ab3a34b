import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { ImportFailure } from '../ingestion/import-sink';

export interface ZipLimits {
  maxEntries: number;
  /** Bytes unpacked from all entries together. */
  maxUnpackedBytes: number;
}

export interface ZipEntry {
  name: string;
  bytes: Uint8Array;
}

const fromBuffer = promisify(
  (buffer: Buffer, options: yauzl.Options, callback: (error: Error | null, zip: yauzl.ZipFile) => void) =>
    yauzl.fromBuffer(buffer, options, callback),
);

/**
 * The files of a zip archive, one at a time, read with yauzl (which checks every entry's declared size
 * against what it unpacks). Folders are skipped; more entries or unpacked bytes than the limits allow
 * fail the whole archive, so a zip bomb costs at most the limit.
 */
export async function* zipEntries(
  content: Uint8Array,
  limits: ZipLimits,
  onEntryCount: (entries: number) => void = () => undefined,
): AsyncGenerator<ZipEntry> {
  let zip: yauzl.ZipFile;
  try {
    zip = await fromBuffer(Buffer.from(content.buffer, content.byteOffset, content.byteLength), {
      lazyEntries: true,
      decodeStrings: true,
      validateEntrySizes: true,
    });
  } catch (error) {
    throw new ImportFailure(`not a readable zip archive: ${(error as Error).message}`);
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new ImportFailure(
      `the archive has ${zip.entryCount} entries; at most ${limits.maxEntries} are read`,
    );
  }
  onEntryCount(zip.entryCount);
  let unpacked = 0;
  try {
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) return;
      if (entry.fileName.endsWith('/')) continue;
      if (unpacked + entry.uncompressedSize > limits.maxUnpackedBytes) {
        throw new ImportFailure(`the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`);
      }
      const bytes = await readEntry(zip, entry);
      unpacked += bytes.length;
      yield { name: entry.fileName, bytes };
    }
  } finally {
    zip.close();
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ImportFailure(`the archive is damaged: ${error.message}`));
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Uint8Array> {
  const openReadStream = promisify(zip.openReadStream.bind(zip)) as (
    entry: yauzl.Entry,
  ) => Promise<NodeJS.ReadableStream>;
  try {
    const stream = await openReadStream(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof ImportFailure) throw error;
    throw new ImportFailure(`${entry.fileName} in the archive is damaged: ${(error as Error).message}`);
  }
}
