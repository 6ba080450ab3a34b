import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { MemorySettings } from '@conduit/contracts';
import { Prisma, PrismaClient, type ChatMessage, type ChatSession } from '../generated/prisma/client';
import { KeysetPosition } from './keyset-cursor';

const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/** Session rows; every query is scoped to the owning user, so another user's session looks absent. */
@Injectable()
export class SessionRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(
    userId: string,
    data: {
      title: string;
      model: string;
      systemPrompt: string | null;
      memory: MemorySettings | null;
      agentId: string | null;
    },
  ): Promise<ChatSession> {
    return this.prisma.chatSession.create({
      data: { id: randomUUID(), userId, ...data, memory: data.memory ?? Prisma.DbNull },
    });
  }

  findOwned(userId: string, sessionId: string): Promise<ChatSession | null> {
    return this.prisma.chatSession.findFirst({ where: { id: sessionId, userId } });
  }

  /** The session with its `take` newest messages, newest first. */
  findOwnedWithNewestMessages(
    userId: string,
    sessionId: string,
    take: number,
  ): Promise<(ChatSession & { messages: ChatMessage[] }) | null> {
    return this.prisma.chatSession.findFirst({
      where: { id: sessionId, userId },
      include: { messages: { orderBy: NEWEST_FIRST, take } },
    });
  }

  /** One page, newest activity first; fetches one extra row to know whether another page follows. */
  listPage(userId: string, limit: number, after: KeysetPosition | null): Promise<ChatSession[]> {
    return this.prisma.chatSession.findMany({
      where: {
        userId,
        ...(after
          ? {
              OR: [{ updatedAt: { lt: after.at } }, { updatedAt: after.at, id: { lt: after.id } }],
            }
          : {}),
      },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
  }

  async update(
    userId: string,
    sessionId: string,
    update: {
      title?: string | undefined;
      activeLeafId?: string | undefined;
      memory?: MemorySettings | undefined;
      agentId?: string | null | undefined;
    },
  ): Promise<ChatSession | null> {
    const { count } = await this.prisma.chatSession.updateMany({
      where: { id: sessionId, userId },
      data: {
        ...(update.title !== undefined ? { title: update.title } : {}),
        ...(update.activeLeafId !== undefined ? { activeLeafId: update.activeLeafId } : {}),
        ...(update.memory !== undefined ? { memory: update.memory } : {}),
        ...(update.agentId !== undefined ? { agentId: update.agentId } : {}),
        updatedAt: new Date(),
      },
    });
    return count === 0 ? null : this.findOwned(userId, sessionId);
  }

  /** Unlinks the session from `agentId` (gone from the agents service), unless it was linked elsewhere since. */
  async unlinkAgent(userId: string, sessionId: string, agentId: string): Promise<void> {
    await this.prisma.chatSession.updateMany({
      where: { id: sessionId, userId, agentId },
      data: { agentId: null },
    });
  }

  /** Renames only while the title is still `expected`, so a title someone chose in the meantime wins. */
  async renameIfTitled(userId: string, sessionId: string, expected: string, title: string): Promise<void> {
    await this.prisma.chatSession.updateMany({
      where: { id: sessionId, userId, title: expected },
      data: { title },
    });
  }

  async delete(userId: string, sessionId: string): Promise<boolean> {
    const { count } = await this.prisma.chatSession.deleteMany({ where: { id: sessionId, userId } });
    return count > 0;
  }
}
