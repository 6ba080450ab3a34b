import { createHash } from 'node:crypto';

/**
 * The ids clients see (`file-<hex>`, `batch_<hex>`, `batch_req_<hex>`) over the UUIDs the tables key on:
 * the same 128 bits, without dashes, behind OpenAI's prefixes.
 */
const hexOf = (uuid: string): string => uuid.replace(/-/g, '').toLowerCase();

const uuidOf = (hex: string): string =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

export const fileIdOf = (uuid: string): string => `file-${hexOf(uuid)}`;
export const batchIdOf = (uuid: string): string => `batch_${hexOf(uuid)}`;
/** One request line's id: its batch and line number, so it is the same each time the line is written. */
export const requestIdOf = (batchUuid: string, line: number): string =>
  `batch_req_${hexOf(batchUuid)}_${line}`;

/** The UUID behind a `file-<32 hex>` id (the contract's schema has checked its shape). */
export const fileUuidOf = (fileId: string): string => uuidOf(fileId.slice('file-'.length));
export const batchUuidOf = (batchId: string): string => uuidOf(batchId.slice('batch_'.length));

/** A UUID fixed by a batch and what it names (its output file, its usage record), version 8. */
export function derivedUuid(batchId: string, what: string): string {
  const hex = createHash('sha256').update(`${batchId}/${what}`).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return uuidOf(hex.join(''));
}
