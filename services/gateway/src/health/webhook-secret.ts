import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `given` is the shared secret, compared in constant time: both are hashed first, so neither
 * the content nor the length of the secret shows in how long the answer takes.
 */
export function isWebhookSecret(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret));
}
