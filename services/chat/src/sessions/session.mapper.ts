import {
  MemorySettings,
  MemorySettingsSchema,
  ChatMessage as ChatMessageDto,
  ChatSession as ChatSessionDto,
  PromptContext,
  PromptContextSchema,
} from '@conduit/contracts';
import type { ChatMessage, ChatSession } from '../generated/prisma/client';

export function toSessionDto(session: ChatSession): ChatSessionDto {
  return {
    id: session.id,
    title: session.title,
    model: session.model,
    systemPrompt: session.systemPrompt,
    memory: memorySettingsOf(session.memory),
    agentId: session.agentId,
    createdAt: session.createdAt.toISOString(),
    updatedAt: session.updatedAt.toISOString(),
  };
}

export function toMessageDto(message: ChatMessage): ChatMessageDto {
  const hasUsage = message.inputTokens !== null && message.outputTokens !== null;
  return {
    id: message.id,
    sessionId: message.sessionId,
    parentId: message.parentId,
    role: message.role,
    content: message.content,
    status: message.status,
    model: message.model,
    usage: hasUsage
      ? {
          inputTokens: message.inputTokens ?? 0,
          outputTokens: message.outputTokens ?? 0,
          cachedTokens: message.cachedTokens ?? 0,
          estimated: message.usageEstimated ?? false,
        }
      : null,
    costUsd: message.costUsd === null ? null : Number(message.costUsd),
    errorCode: message.errorCode,
    promptContext: promptContextOf(message.promptContext),
    createdAt: message.createdAt.toISOString(),
  };
}

function promptContextOf(stored: unknown): PromptContext | null {
  const parsed = PromptContextSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

const MEMORY_OFF: MemorySettings = { enabled: false, collections: [] };

/** A session's stored memory settings; none (or unreadable ones) mean memory is off. */
export function memorySettingsOf(stored: unknown): MemorySettings {
  const parsed = MemorySettingsSchema.safeParse(stored);
  return parsed.success ? parsed.data : MEMORY_OFF;
}
