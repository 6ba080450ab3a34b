import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MessageStatus, TokenUsage } from '@conduit/contracts';
import type { ChatMessage } from '../generated/prisma/client';
import { PrismaService } from '../infra/prisma.service';

/** Most messages of history any model gets; older ones are beyond every context window we list anyway. */
export const HISTORY_LIMIT = 400;

export interface ExchangeRows {
  userMessage: ChatMessage;
  assistantMessage: ChatMessage;
}

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

  /** The newest messages of a session, oldest first. */
  async recentHistory(sessionId: string): Promise<ChatMessage[]> {
    const newestFirst = await this.prisma.chatMessage.findMany({
      where: { sessionId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: HISTORY_LIMIT,
    });
    return newestFirst.reverse();
  }

  /** Stores the user's message and an empty `streaming` answer in one statement, before generation starts. */
  async startExchange(input: {
    userId: string;
    sessionId: string;
    content: string;
    model: string;
    streamId: string;
  }): Promise<ExchangeRows> {
    const now = Date.now();
    const userMessage = {
      id: randomUUID(),
      sessionId: input.sessionId,
      userId: input.userId,
      role: 'user' as const,
      content: input.content,
      status: 'complete' as const,
      model: null,
      streamId: null,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    };
    const assistantMessage = {
      ...userMessage,
      id: randomUUID(),
      role: 'assistant' as const,
      content: '',
      status: 'streaming' as const,
      model: input.model,
      streamId: input.streamId,
      createdAt: new Date(now + 1),
      updatedAt: new Date(now + 1),
    };
    await this.prisma.chatMessage.createMany({ data: [userMessage, assistantMessage] });
    const blanks = {
      inputTokens: null,
      outputTokens: null,
      cachedTokens: null,
      usageEstimated: null,
      costUsd: null,
      errorCode: null,
    };
    return {
      userMessage: { ...userMessage, ...blanks },
      assistantMessage: { ...assistantMessage, ...blanks },
    };
  }

  async touchSession(sessionId: string): Promise<void> {
    await this.prisma.chatSession.update({ where: { id: sessionId }, data: { updatedAt: new Date() } });
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
