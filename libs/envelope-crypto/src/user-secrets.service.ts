import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { KEY_BYTES, open, seal, UnreadableCiphertextError } from './aes-gcm';
import { DataKeyRepository } from './data-key.repository';
import type { KeyManagementPort } from './key-management.port';
import type { SecretsDomain } from './secrets-domain';

/** The first byte of every sealed secret: the layout below, so it can change without guessing. */
const FORMAT_V1 = 1;
const REWRAP_BATCH = 100;

/**
 * Envelope encryption of users' secrets (connector tokens, MCP server credentials, Garmin tokens): each user has one
 * random AES-256 data key, stored only wrapped by the master key ({@link KeyManagementPort}); a secret is
 * sealed with its user's data key (AES-256-GCM) and bound to the user and a caller-chosen context (say
 * `connection:<id>:access_token`), so a ciphertext copied to another user, record or field does not open.
 *
 * Data keys are unwrapped on each use: with the env adapter that is one local AES operation; a KMS
 * adapter would want a short-lived cache of unwrapped keys in front of it.
 */
export class UserSecrets {
  private readonly logger = new Logger('UserSecrets');

  constructor(
    private readonly keys: KeyManagementPort,
    private readonly dataKeys: Pick<DataKeyRepository, keyof DataKeyRepository>,
    private readonly domain: SecretsDomain,
  ) {}

  /** `version | iv | tag | ciphertext`, to store as bytes. */
  async encrypt(userId: string, plaintext: string, context: string): Promise<Buffer> {
    const key = await this.dataKeyOf(userId, { create: true });
    return Buffer.concat([
      Buffer.of(FORMAT_V1),
      seal(key, Buffer.from(plaintext, 'utf8'), aad(this.domain, userId, context)),
    ]);
  }

  /** Throws {@link UnreadableCiphertextError} for a value altered, of another user, or of another context. */
  async decrypt(userId: string, sealed: Buffer, context: string): Promise<string> {
    if (sealed[0] !== FORMAT_V1) throw new UnreadableCiphertextError('secret');
    const key = await this.dataKeyOf(userId, { create: false });
    if (key === null) throw new UnreadableCiphertextError('secret');
    return open(key, sealed.subarray(1), aad(this.domain, userId, context), 'secret').toString('utf8');
  }

  /**
   * Rewraps every data key still wrapped by a retired master key with the current one (a rotation's
   * second step; see README). Safe to run on several replicas at once. Answers how many it rewrapped.
   */
  async rewrapRetired(): Promise<number> {
    let rewrapped = 0;
    const failed = new Set<string>();
    for (;;) {
      const batch = (
        await this.dataKeys.listWrappedByOtherThan(this.keys.currentKeyId, REWRAP_BATCH + failed.size)
      ).filter((row) => !failed.has(row.userId));
      if (batch.length === 0) return rewrapped;
      for (const row of batch) {
        try {
          const plain = await this.keys.unwrap(row, keyContext(row.userId));
          if (
            await this.dataKeys.rewrap(row.userId, row, await this.keys.wrap(plain, keyContext(row.userId)))
          ) {
            rewrapped += 1;
          }
        } catch (error) {
          failed.add(row.userId);
          this.logger.error(
            `the data key of user ${row.userId} cannot be rewrapped: ${(error as Error).message}`,
          );
        }
      }
    }
  }

  private async dataKeyOf(userId: string, options: { create: true }): Promise<Buffer>;
  private async dataKeyOf(userId: string, options: { create: false }): Promise<Buffer | null>;
  private async dataKeyOf(userId: string, options: { create: boolean }): Promise<Buffer | null> {
    let wrapped = await this.dataKeys.find(userId);
    if (wrapped === null) {
      if (!options.create) return null;
      const fresh = randomBytes(KEY_BYTES);
      wrapped = await this.dataKeys.insertIfAbsent(userId, await this.keys.wrap(fresh, keyContext(userId)));
    }
    return this.keys.unwrap(wrapped, keyContext(userId));
  }
}

const keyContext = (userId: string) => `user:${userId}`;
const aad = (domain: SecretsDomain, userId: string, context: string) =>
  `conduit.${domain.name}.secret:v1:user:${userId}:${context}`;
