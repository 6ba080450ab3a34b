import { createHash } from 'node:crypto';

/**
 * Storage keys are `/`-separated segments of lowercase letters, digits, `-` and `_`: no dots, no empty or
 * absolute parts, nothing a filesystem or an S3 console reads as a path trick. Keys are only ever made
 * here from ids the service chose (never from a client's file name), and every adapter refuses any
 * other shape.
 */
const SEGMENT = '[a-z0-9][a-z0-9_-]{0,63}';
const KEY_PATTERN = new RegExp(`^${SEGMENT}(?:/${SEGMENT}){0,7}$`);

export function isStorageKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** The first segment of every key of a user: a digest of the user id, so any user id makes a safe folder. */
export function ownerSegment(userId: string): string {
  return createHash('sha256').update(userId).digest('hex').slice(0, 32);
}

/** `<owner>/files/<fileId>`: a file the user uploaded. */
export function uploadKey(userId: string, fileId: string): string {
  return `${ownerSegment(userId)}/files/${fileId.toLowerCase()}`;
}

/** The folder (for `list`) of the files `userId` uploaded. */
export function uploadFolder(userId: string): string {
  return `${ownerSegment(userId)}/files`;
}

/** Throws unless `key` is a storage key; adapters call it before touching anything. */
export function assertStorageKey(key: string): void {
  if (!isStorageKey(key)) throw new Error(`not a storage key: ${JSON.stringify(key).slice(0, 120)}`);
}
