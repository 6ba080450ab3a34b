import { Injectable } from '@nestjs/common';
import { PrismaClient, type ApiKey } from '../../generated/prisma/client';

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(data: {
    userId: string;
    name: string;
    displayPrefix: string;
    keyHash: string;
    requestsPerMinute?: number;
    concurrentStreams?: number;
  }): Promise<ApiKey> {
    return this.prisma.apiKey.create({ data });
  }

  listActive(userId: string): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({
      where: { userId, revokedAt: null },
      orderBy: { createdAt: 'desc' },
    });
  }

  findActiveByHash(keyHash: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findFirst({ where: { keyHash, revokedAt: null } });
  }

  /** Scoped to the owner, so another user's key is indistinguishable from a missing one. */
  findActiveOwned(id: string, userId: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findFirst({ where: { id, userId, revokedAt: null } });
  }

  async revoke(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at } });
  }
}
