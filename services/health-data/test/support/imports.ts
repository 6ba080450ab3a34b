import { randomUUID } from 'node:crypto';
import { ObjectTransfer } from '@conduit/bus';
import {
  HEALTH_UPLOAD_TTL_MS,
  HEALTH_UPLOADS_BUCKET,
  HealthDataContract,
  type HealthImportKind,
} from '@conduit/contracts';
import { waitFor } from '@conduit/testing';
import type { HealthDataTestApp } from './health-data-app';

export interface ImportRow {
  status: string;
  user_id: string;
  samples_stored: number;
  rejected_count: number;
  rejections: { item: string; reason: string }[];
  failure_reason: string | null;
  processed: number;
  total: number | null;
}

/** The uploads bucket, as the gateway writes large uploads into it. */
export const uploadsBucket = (service: HealthDataTestApp) =>
  new ObjectTransfer(service.bus, HEALTH_UPLOADS_BUCKET, HEALTH_UPLOAD_TTL_MS);

/**
 * Puts an import in the durable stream as the gateway does: content in the message, or (`inBucket`)
 * in the uploads bucket, the message naming it.
 */
export async function sendImport(
  service: HealthDataTestApp,
  kind: HealthImportKind,
  content: Uint8Array | string,
  userId: string | null,
  filename?: string,
  { inBucket = false }: { inBucket?: boolean } = {},
): Promise<string> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  const importId = randomUUID();
  const object = inBucket ? await uploadsBucket(service).put(bytes) : null;
  await service.bus.publish(
    HealthDataContract.importAccepted,
    {
      importId,
      kind,
      ...(filename ? { filename } : {}),
      bytes: bytes.length,
      content: object ? { object } : { inline: bytes.toString('base64') },
      acceptedAt: new Date().toISOString(),
    },
    { userId },
    { messageId: importId },
  );
  return importId;
}

export async function importRow(service: HealthDataTestApp, importId: string): Promise<ImportRow | null> {
  const { rows } = await service.pool.query<ImportRow>(`SELECT * FROM imports WHERE id = $1`, [importId]);
  return rows[0] ?? null;
}

/** Waits until the import has finished and answers its row. */
export async function finishedImport(service: HealthDataTestApp, importId: string): Promise<ImportRow> {
  let row: ImportRow | null = null;
  await waitFor(
    async () => {
      row = await importRow(service, importId);
      return row !== null && (row.status === 'succeeded' || row.status === 'failed');
    },
    () => `import ${importId} finished (last seen: ${JSON.stringify(row)})`,
    60_000,
  );
  return row!;
}

export async function sampleCount(
  service: HealthDataTestApp,
  userId: string,
  where = 'TRUE',
  params: unknown[] = [],
): Promise<number> {
  const { rows } = await service.pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM samples WHERE user_id = $1 AND ${where}`,
    [userId, ...params],
  );
  return Number(rows[0]!.n);
}
