import { Injectable } from '@nestjs/common';
import { PrismaClient, type RefreshToken } from '../../generated/prisma/client';

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
}
