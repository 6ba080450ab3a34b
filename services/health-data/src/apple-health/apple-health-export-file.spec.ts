import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { generateAppleHealthExport } from './apple-health-export.generator';
import { AppleHealthExportError, openAppleHealthExport } from './apple-health-export-file';
import { importAppleHealth } from './apple-health-import';

const EXPORT = { startMs: Date.UTC(2026, 0, 1), days: 2, heartRatePerDay: 50 };

async function zipOf(path: string, entries: Array<[string, string | Iterable<string>]>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of entries)
    zip.addReadStream(typeof content === 'string' ? Readable.from([content]) : Readable.from(content), name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

async function importFrom(path: string) {
  let accepted = 0;
  const summary = await importAppleHealth({
    chunks: await openAppleHealthExport(path),
    batchSize: 100,
    write: async (batch) => {
      accepted += batch.length;
    },
    reject: () => undefined,
  });
  return { accepted, summary };
}

describe('openAppleHealthExport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apple-health-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads export.xml out of the zip the Health app shares, passing over the other entries', async () => {
    const path = join(dir, 'export.zip');
    await zipOf(path, [
      ['apple_health_export/export_cda.xml', '<ClinicalDocument>not this one</ClinicalDocument>'],
      ['apple_health_export/workout-routes/route_2026-01-01.gpx', '<gpx/>'],
      ['apple_health_export/export.xml', generateAppleHealthExport(EXPORT)],
    ]);
    const { accepted, summary } = await importFrom(path);
    expect(accepted).toBe(2 * 50 + 2 * 11 + 1);
    expect(summary.rejected).toBe(0);
  });

  it('reads a bare export.xml', async () => {
    const path = join(dir, 'export.xml');
    await writeFile(path, [...generateAppleHealthExport(EXPORT)].join(''));
    expect((await importFrom(path)).accepted).toBe(2 * 50 + 2 * 11 + 1);
  });

  it('refuses a zip without export.xml, a file that is neither, and a damaged zip', async () => {
    const empty = join(dir, 'other.zip');
    await zipOf(empty, [['notes.txt', 'hello']]);
    await expect(openAppleHealthExport(empty)).rejects.toThrow(
      new AppleHealthExportError('The zip holds no export.xml'),
    );

    const pdf = join(dir, 'report.pdf');
    await writeFile(pdf, '%PDF-1.7\n');
    await expect(openAppleHealthExport(pdf)).rejects.toThrow('The file is neither export.zip nor export.xml');

    const damaged = join(dir, 'damaged.zip');
    await writeFile(damaged, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)]));
    await expect(openAppleHealthExport(damaged)).rejects.toBeInstanceOf(AppleHealthExportError);
  });
});
