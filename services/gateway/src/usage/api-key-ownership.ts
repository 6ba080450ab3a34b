import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@conduit/contracts';
import { PrismaClient } from '../generated/prisma/client';

/**
 * The gateway owns API keys, so it is the one to check that a key budget names an active key of the
 * caller before chat stores it. Another user's key answers exactly like a missing one.
 */
@Injectable()
export class ApiKeyOwnership {
  constructor(private readonly prisma: PrismaClient) {}

  async assertOwnedActive(userId: string, apiKeyId: string): Promise<void> {
    const key = await this.prisma.apiKey.findFirst({
      where: { id: apiKeyId, userId, revokedAt: null },
      select: { id: true },
    });
    if (!key) throw new DomainError(ErrorCode.NotFound, 'No such API key', { apiKeyId });
  }
}
