import { ownerSegment } from './storage-key';

/** `<owner>/<jobId>/<index>`: the owner is a digest of the user id, so any user id makes a safe folder name. */
const KEY_PATTERN = /^[0-9a-f]{32}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/\d{1,3}$/;

export function resultKey(userId: string, jobId: string, index: number): string {
  return `${ownerSegment(userId)}/${jobId.toLowerCase()}/${index}`;
}

/** Whether `key` has the one shape {@link resultKey} makes: no dots, no absolute paths, nothing else. */
export function isResultKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}
