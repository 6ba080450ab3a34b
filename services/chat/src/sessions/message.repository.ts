import { Injectable } from '@nestjs/common';
import { MessageStatus, TokenUsage } from '@conduit/contracts';
import type { ChatMessage } from '../generated/prisma/client';
import { PrismaService } from '../infra/prisma.service';
import { KeysetPosition } from './keyset-cursor';

export interface FinalAnswer {
  status: Exclude<MessageStatus, 'streaming'>;
  /** The model that answered, which a fallback may have changed. */
  model: string;
  content: string;
  usage: TokenUsage | null;
  costUsd: number | null;
  errorCode: string | null;
}

@Injectable()
export class MessageRepository {
  constructor(private readonly prisma: PrismaService) {}

  findInSession(sessionId: string, messageId: string): Promise<ChatMessage | null> {
    return this.prisma.chatMessage.findFirst({ where: { id: messageId, sessionId } });
  }

  /** Up to `take` messages of a session older than `before` (all when null), newest first. */
  listNewestFirst(sessionId: string, take: number, before: KeysetPosition | null): Promise<ChatMessage[]> {
    return this.prisma.chatMessage.findMany({
      where: {
        sessionId,
        ...(before
          ? {
              OR: [{ createdAt: { lt: before.at } }, { createdAt: before.at, id: { lt: before.id } }],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
    });
  }

  /** Saves what has been generated so far, so a crash loses at most one flush interval. */
  async savePartial(messageId: string, content: string): Promise<void> {
    await this.prisma.chatMessage.updateMany({
      where: { id: messageId, status: 'streaming' },
      data: { content, updatedAt: new Date() },
    });
  }

  async finish(messageId: string, answer: FinalAnswer): Promise<ChatMessage | null> {
    const { count } = await this.prisma.chatMessage.updateMany({
      where: { id: messageId, status: 'streaming' },
      data: {
        status: answer.status,
        model: answer.model,
        content: answer.content,
        inputTokens: answer.usage?.inputTokens ?? null,
        outputTokens: answer.usage?.outputTokens ?? null,
        cachedTokens: answer.usage?.cachedTokens ?? null,
        usageEstimated: answer.usage?.estimated ?? null,
        costUsd: answer.costUsd,
        errorCode: answer.errorCode,
        updatedAt: new Date(),
      },
    });
    return count === 0 ? null : this.prisma.chatMessage.findUnique({ where: { id: messageId } });
  }

  /** Marks answers whose producer stopped saving long ago (its replica died) as interrupted. */
  async interruptStale(olderThan: Date): Promise<ChatMessage[]> {
    const stale = await this.prisma.chatMessage.findMany({
      where: { status: 'streaming', updatedAt: { lt: olderThan } },
      take: 500,
    });
    if (stale.length === 0) return [];
    await this.prisma.chatMessage.updateMany({
      where: { id: { in: stale.map((m) => m.id) }, status: 'streaming' },
      data: { status: 'interrupted', errorCode: 'STREAM_LOST', updatedAt: new Date() },
    });
    return stale.map((m) => ({ ...m, status: 'interrupted' as const, errorCode: 'STREAM_LOST' }));
  }
}
