import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MessageStatus, TokenUsage } from '@conduit/contracts';
import type { ChatMessage } from '../generated/prisma/client';
import { PrismaService } from '../infra/prisma.service';

/** Most messages read for one session; more than any context window we list can hold. */
export const SESSION_MESSAGE_LIMIT = 2_000;

export interface TurnRows {
  /** Null when an existing user message is answered again. */
  userMessage: ChatMessage | null;
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

  /** A session's messages on every branch, oldest first (capped: far beyond any model's context). */
  async sessionMessages(sessionId: string): Promise<ChatMessage[]> {
    const newestFirst = await this.prisma.chatMessage.findMany({
      where: { sessionId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: SESSION_MESSAGE_LIMIT,
    });
    return newestFirst.reverse();
  }

  /**
   * Stores a turn before generation starts: the user's message (unless an existing one is answered
   * again) and an empty `streaming` answer following it, in one statement.
   */
  async createTurn(input: {
    userId: string;
    sessionId: string;
    model: string;
    streamId: string;
    /** A new user message and the message it follows; null to answer `answerTo` again. */
    userMessage: { parentId: string | null; content: string } | null;
    answerTo: string | null;
  }): Promise<TurnRows> {
    const now = Date.now();
    const base = {
      sessionId: input.sessionId,
      userId: input.userId,
      inputTokens: null,
      outputTokens: null,
      cachedTokens: null,
      usageEstimated: null,
      costUsd: null,
      errorCode: null,
    };
    const userMessage: ChatMessage | null = input.userMessage && {
      ...base,
      id: randomUUID(),
      parentId: input.userMessage.parentId,
      role: 'user',
      content: input.userMessage.content,
      status: 'complete',
      model: null,
      streamId: null,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    };
    const assistantMessage: ChatMessage = {
      ...base,
      id: randomUUID(),
      parentId: userMessage?.id ?? input.answerTo,
      role: 'assistant',
      content: '',
      status: 'streaming',
      model: input.model,
      streamId: input.streamId,
      createdAt: new Date(now + 1),
      updatedAt: new Date(now + 1),
    };
    const rows = userMessage ? [userMessage, assistantMessage] : [assistantMessage];
    await this.prisma.chatMessage.createMany({ data: rows.map(({ costUsd: _cost, ...row }) => row) });
    return { userMessage, assistantMessage };
  }

  /** Makes `leafId` the message new turns continue from, and marks the session as just used. */
  async setActiveLeaf(sessionId: string, leafId: string): Promise<void> {
    await this.prisma.chatSession.update({
      where: { id: sessionId },
      data: { activeLeafId: leafId, updatedAt: new Date() },
    });
  }

  findInSession(sessionId: string, messageId: string): Promise<ChatMessage | null> {
    return this.prisma.chatMessage.findFirst({ where: { id: messageId, sessionId } });
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
