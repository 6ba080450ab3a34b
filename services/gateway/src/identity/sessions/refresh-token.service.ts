import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../../config';
import { hashSecret, randomSecret } from '../secret-token';
import { unauthenticated } from '../unauthenticated.error';
import { RefreshTokenRepository } from './refresh-token.repository';

/**
 * Opaque, single-use refresh tokens. Each login starts a family; every refresh spends the presented
 * token and issues the next one in the same family. Presenting a spent token means it was copied, so
 * the whole family is revoked and the thief and the victim both have to log in again.
 */
@Injectable()
export class RefreshTokenService {
  constructor(
    @InjectConfig() private readonly config: GatewayConfig,
    private readonly tokens: RefreshTokenRepository,
  ) {}

  startFamily(userId: string): Promise<string> {
    return this.issue(userId, randomUUID());
  }

  /** Spends `token` and returns its successor with the owner's id; any problem is UNAUTHENTICATED. */
  async rotate(token: string): Promise<{ userId: string; refreshToken: string }> {
    const now = new Date();
    const record = await this.tokens.findByHash(hashSecret(token));
    if (!record || record.revokedAt || record.expiresAt <= now) throw unauthenticated();
    if (record.usedAt || !(await this.tokens.markUsed(record.id, now))) {
      await this.tokens.revokeFamily(record.familyId, now);
      throw unauthenticated();
    }
    if (await this.tokens.isFamilyRevoked(record.familyId)) throw unauthenticated();
    return { userId: record.userId, refreshToken: await this.issue(record.userId, record.familyId) };
  }

  /** Ends the session `token` belongs to; unknown tokens are ignored so logging out twice is harmless. */
  async revokeFamilyOf(token: string): Promise<void> {
    const record = await this.tokens.findByHash(hashSecret(token));
    if (record) await this.tokens.revokeFamily(record.familyId, new Date());
  }

  private async issue(userId: string, familyId: string): Promise<string> {
    const token = randomSecret();
    const expiresAt = new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000);
    await this.tokens.create({ userId, familyId, tokenHash: hashSecret(token), expiresAt });
    return token;
  }
}
