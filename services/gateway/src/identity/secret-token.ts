import { createHash, randomBytes } from 'node:crypto';

const SECRET_BYTES = 32;

/** A random, URL-safe secret of 256 bits: refresh tokens and API keys are made of these. */
export function randomSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/**
 * How secrets are stored: a fast hash is enough because they are high-entropy random values, and it
 * lets a presented secret be found by an index lookup.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
