import { Injectable } from '@nestjs/common';
import { PrismaClient, type RefreshToken } from '../../generated/prisma/client';

/**
 * Names the advisory lock the prune holds, per Postgres schema (`hashtext(schema || name)`), so
 * deployments sharing a database do not wait on each other.
 */
export const PRUNE_LOCK_NAME = '.refresh-token-prune';

@Injectable()
export class RefreshTokenRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(data: {
    userId: string;
    familyId: string;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<RefreshToken> {
    return this.prisma.refreshToken.create({ data });
  }

  findByHash(tokenHash: string): Promise<RefreshToken | null> {
    return this.prisma.refreshToken.findUnique({ where: { tokenHash } });
  }

  /** Marks a token spent unless it already was; false means someone else spent (or revoked) it first. */
  async markUsed(id: string, at: Date): Promise<boolean> {
    const { count } = await this.prisma.refreshToken.updateMany({
      where: { id, usedAt: null, revokedAt: null },
      data: { usedAt: at },
    });
    return count === 1;
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.prisma.refreshToken.updateMany({
      where: { familyId, revokedAt: null },
      data: { revokedAt: at },
    });
  }

  /**
   * A family counts as revoked once any of its tokens is: this also catches a token that a rotation
   * inserted while the family was being revoked.
   */
  async isFamilyRevoked(familyId: string): Promise<boolean> {
    return (await this.prisma.refreshToken.count({ where: { familyId, revokedAt: { not: null } } })) > 0;
  }

  /**
   * Deletes up to about `batchSize` tokens that can never be used again: expired ones (an expired token
   * is refused whether or not it is still stored, spent or not) and every token of a revoked family.
   * Runs only while this transaction holds the prune's advisory lock, so replicas do not delete the
   * same rows side by side; null when another one holds it.
   */
  async deleteDeadTokens(batchSize: number): Promise<number | null> {
    return this.prisma.$transaction(async (tx) => {
      const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ${PRUNE_LOCK_NAME})) AS locked`;
      if (!lock?.locked) return null;
      return tx.$executeRaw`
        WITH dead AS (
          (SELECT id FROM refresh_tokens WHERE expires_at <= now() LIMIT ${batchSize})
          UNION
          (SELECT id FROM refresh_tokens WHERE family_id IN (
            SELECT DISTINCT family_id FROM refresh_tokens WHERE revoked_at IS NOT NULL LIMIT ${batchSize}))
        )
        DELETE FROM refresh_tokens WHERE id IN (SELECT id FROM dead)`;
    });
  }
}
