import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ErrorCode, MessageStatus, TokenUsage, type RecordExchangeRequest } from '@conduit/contracts';
import { PrismaClient, type ChatMessage } from '../generated/prisma/client';
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

/** What a final save found: the answer as stored, or why there was nothing to save it to. */
export type FinishedAnswer =
  | { kind: 'saved' | 'restored'; message: ChatMessage }
  /** Deleted, with its session, while it was being generated. */
  | { kind: 'gone' }
  | { kind: 'already-final'; status: MessageStatus };

@Injectable()
export class MessageRepository {
  constructor(private readonly prisma: PrismaClient) {}

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

  /**
   * Stores how an answer ended. An answer the sweeper took for abandoned (its lease could not be renewed
   * for a while) is restored: what was generated is what its user received.
   */
  async finish(messageId: string, answer: FinalAnswer): Promise<FinishedAnswer> {
    const data = {
      status: answer.status,
      model: answer.model,
      content: answer.content,
      inputTokens: answer.usage?.inputTokens ?? null,
      outputTokens: answer.usage?.outputTokens ?? null,
      cachedTokens: answer.usage?.cachedTokens ?? null,
      usageEstimated: answer.usage?.estimated ?? null,
      costUsd: answer.costUsd,
      errorCode: answer.errorCode,
      leaseExpiresAt: null,
      updatedAt: new Date(),
    };
    const saved = await this.prisma.chatMessage.updateMany({
      where: { id: messageId, status: 'streaming' },
      data,
    });
    if (saved.count === 1) return { kind: 'saved', message: await this.byId(messageId) };
    const restored = await this.prisma.chatMessage.updateMany({
      where: { id: messageId, status: 'interrupted', errorCode: ErrorCode.StreamLost },
      data,
    });
    if (restored.count === 1) return { kind: 'restored', message: await this.byId(messageId) };
    const current = await this.prisma.chatMessage.findUnique({ where: { id: messageId } });
    return current ? { kind: 'already-final', status: current.status } : { kind: 'gone' };
  }

  /** Replaces a finished answer's text by `content` (a prefix of it) and marks it cancelled. */
  async cutAnswer(messageId: string, content: string): Promise<ChatMessage | null> {
    const cut = await this.prisma.chatMessage.updateMany({
      where: { id: messageId, role: 'assistant', status: { not: 'streaming' } },
      data: { content, status: 'cancelled', updatedAt: new Date() },
    });
    return cut.count === 1 ? this.byId(messageId) : null;
  }

  /**
   * Stores a turn answered elsewhere (the user's message, then the answer after it) at the end of the
   * session's active branch, which then ends at the answer; null when the session is not `userId`'s.
   */
  async appendExchange(
    userId: string,
    exchange: RecordExchangeRequest,
  ): Promise<{ user: ChatMessage; assistant: ChatMessage } | null> {
    return this.prisma.$transaction(async (tx) => {
      const session = await tx.chatSession.findFirst({ where: { id: exchange.sessionId, userId } });
      if (!session) return null;
      const now = Date.now();
      const user = await tx.chatMessage.create({
        data: {
          id: randomUUID(),
          sessionId: session.id,
          parentId: session.activeLeafId,
          userId,
          role: 'user',
          content: exchange.user,
          status: 'complete',
          createdAt: new Date(now),
          updatedAt: new Date(now),
        },
      });
      const assistant = await tx.chatMessage.create({
        data: {
          id: randomUUID(),
          sessionId: session.id,
          parentId: user.id,
          userId,
          role: 'assistant',
          content: exchange.assistant,
          status: exchange.status,
          model: exchange.model,
          inputTokens: exchange.usage?.inputTokens ?? null,
          outputTokens: exchange.usage?.outputTokens ?? null,
          cachedTokens: exchange.usage?.cachedTokens ?? null,
          usageEstimated: exchange.usage?.estimated ?? null,
          costUsd: exchange.costUsd,
          createdAt: new Date(now + 1),
          updatedAt: new Date(now + 1),
        },
      });
      await tx.chatSession.update({
        where: { id: session.id },
        data: { activeLeafId: assistant.id, updatedAt: new Date(now + 1) },
      });
      return { user, assistant };
    });
  }

  private byId(messageId: string): Promise<ChatMessage> {
    return this.prisma.chatMessage.findUniqueOrThrow({ where: { id: messageId } });
  }
}
