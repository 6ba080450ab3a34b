import { open as openFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** Why an uploaded file cannot be read as an Apple Health export at all (not one bad record). */
export class AppleHealthExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppleHealthExportError';
  }
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * Opens `export.xml` as a byte stream, from the file itself or from inside the `export.zip` the Health app
 * shares (`apple_health_export/export.xml`, beside `export_cda.xml` and workout routes, which are not read).
 * The zip is read through its central directory (yauzl, random access on the file), and the one entry is
 * inflated as it is read: nothing is held whole in memory.
 */
export async function openAppleHealthExport(path: string): Promise<Readable> {
  const head = await readHead(path, 512);
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) return openZippedExport(path);
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (!text.startsWith('<'))
    throw new AppleHealthExportError('The file is neither export.zip nor export.xml');
  return createReadStream(path);
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await openFile(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function isExportXml(fileName: string): boolean {
  return fileName === 'export.xml' || fileName.endsWith('/export.xml');
}

function openZippedExport(path: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (openError, zip) => {
      if (openError || !zip) {
        reject(new AppleHealthExportError(`The zip cannot be read: ${openError?.message ?? 'unknown'}`));
        return;
      }
      let found = false;
      zip.on('error', (error: Error) => {
        if (!found) reject(new AppleHealthExportError(`The zip cannot be read: ${error.message}`));
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!isExportXml(entry.fileName)) {
          zip.readEntry();
          return;
        }
        found = true;
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) {
            zip.close();
            reject(
              new AppleHealthExportError(
                `export.xml cannot be inflated: ${streamError?.message ?? 'unknown'}`,
              ),
            );
            return;
          }
          // The only stream opened: the zip's file is closed with it, read to the end or abandoned.
          stream.once('close', () => zip.close());
          resolve(stream);
        });
      });
      zip.on('end', () => {
        zip.close();
        reject(new AppleHealthExportError('The zip holds no export.xml'));
      });
      zip.readEntry();
    });
  });
}
