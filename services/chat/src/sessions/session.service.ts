import { Injectable } from '@nestjs/common';
import {
  ChatSession,
  ChatSessionWithMessages,
  CreateSessionRequest,
  DomainError,
  ErrorCode,
  SessionPage,
  UpdateSessionRequest,
} from '@conduit/contracts';
import { ModelCatalog } from '../catalog/model-catalog';
import { decodeSessionCursor, encodeSessionCursor } from './session-cursor';
import { toMessageDto, toSessionDto } from './session.mapper';
import { DEFAULT_SESSION_TITLE } from './session-defaults';
import { MessageRepository } from './message.repository';
import { SessionRepository } from './session.repository';

const notFound = () => new DomainError(ErrorCode.NotFound, 'Chat session not found');

@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly catalog: ModelCatalog,
  ) {}

  async create(userId: string, request: CreateSessionRequest): Promise<ChatSession> {
    const model = request.model ?? this.catalog.defaultModelId();
    this.catalog.resolve(model);
    const session = await this.sessions.create(userId, {
      title: request.title ?? DEFAULT_SESSION_TITLE,
      model,
      systemPrompt: request.systemPrompt ?? null,
    });
    return toSessionDto(session);
  }

  async list(userId: string, limit: number, cursor: string | undefined): Promise<SessionPage> {
    const rows = await this.sessions.listPage(userId, limit, cursor ? decodeSessionCursor(cursor) : null);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toSessionDto),
      nextCursor: rows.length > limit && last ? encodeSessionCursor(last) : null,
    };
  }

  async get(userId: string, sessionId: string): Promise<ChatSessionWithMessages> {
    const session = await this.sessions.findOwnedWithMessages(userId, sessionId);
    if (!session) throw notFound();
    return {
      ...toSessionDto(session),
      messages: session.messages.map(toMessageDto),
      activeLeafId: session.activeLeafId,
    };
  }

  async update(userId: string, sessionId: string, update: UpdateSessionRequest): Promise<ChatSession> {
    if (update.activeLeafId !== undefined) {
      const leaf = await this.messages.findInSession(sessionId, update.activeLeafId);
      if (!leaf) {
        throw new DomainError(ErrorCode.NotFound, 'No message with that id in this session', {
          fields: [{ path: 'activeLeafId', message: 'is not a message of this session' }],
        });
      }
    }
    const session = await this.sessions.update(userId, sessionId, update);
    if (!session) throw notFound();
    return toSessionDto(session);
  }

  async delete(userId: string, sessionId: string): Promise<{ deleted: true }> {
    if (!(await this.sessions.delete(userId, sessionId))) throw notFound();
    return { deleted: true };
  }
}
