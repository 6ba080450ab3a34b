import { Injectable } from '@nestjs/common';
import {
  CallerContext,
  ChatSession,
  ChatSessionWithMessages,
  CreateSessionRequest,
  DEFAULT_MESSAGE_PAGE_SIZE,
  DomainError,
  ErrorCode,
  ListMessagesRequest,
  MessagePage,
  RecordExchangeRequest,
  SessionPage,
  TruncateAnswerRequest,
  UpdateSessionRequest,
  type ChatMessage,
} from '@conduit/contracts';
import { AgentLinks } from './agent-links';
import { ModelCatalog } from '../catalog/model-catalog';
import { MessageEventsPublisher } from '../events/message-events.publisher';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';
import { toMessagePage } from './message-page';
import { toMessageDto, toSessionDto } from './session.mapper';
import { DEFAULT_SESSION_TITLE } from './session-defaults';
import { MessageRepository } from './message.repository';
import { SessionRepository } from './session.repository';

/** The caller of a request that names its user. */
type UserCaller = CallerContext & { userId: string };

const notFound = () => new DomainError(ErrorCode.NotFound, 'Chat session not found');

@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly catalog: ModelCatalog,
    private readonly events: MessageEventsPublisher,
    private readonly agents: AgentLinks,
  ) {}

  async create(caller: UserCaller, request: CreateSessionRequest): Promise<ChatSession> {
    const { userId } = caller;
    const model = request.model ?? this.catalog.defaultModelId();
    this.catalog.resolve(model);
    if (request.agentId) await this.agents.assertOwn(caller, request.agentId);
    const session = await this.sessions.create(userId, {
      title: request.title ?? DEFAULT_SESSION_TITLE,
      model,
      systemPrompt: request.systemPrompt ?? null,
      memory: request.memory ?? null,
      agentId: request.agentId ?? null,
    });
    return toSessionDto(session);
  }

  async list(userId: string, limit: number, cursor: string | undefined): Promise<SessionPage> {
    const rows = await this.sessions.listPage(userId, limit, cursor ? decodeKeysetCursor(cursor) : null);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toSessionDto),
      nextCursor:
        rows.length > limit && last ? encodeKeysetCursor({ at: last.updatedAt, id: last.id }) : null,
    };
  }

  /** The session with its newest page of messages: the whole history may exceed any one reply. */
  async get(userId: string, sessionId: string): Promise<ChatSessionWithMessages> {
    const limit = DEFAULT_MESSAGE_PAGE_SIZE;
    const session = await this.sessions.findOwnedWithNewestMessages(userId, sessionId, limit + 1);
    if (!session) throw notFound();
    const page = toMessagePage(session.messages.map(toMessageDto), limit);
    return {
      ...toSessionDto(session),
      messages: page.items,
      olderMessagesCursor: page.nextCursor,
      activeLeafId: session.activeLeafId,
    };
  }

  async listMessages(userId: string, request: ListMessagesRequest): Promise<MessagePage> {
    const before = request.cursor ? decodeKeysetCursor(request.cursor) : null;
    if (!(await this.sessions.findOwned(userId, request.sessionId))) throw notFound();
    const rows = await this.messages.listNewestFirst(request.sessionId, request.limit + 1, before);
    return toMessagePage(rows.map(toMessageDto), request.limit);
  }

  /** Keeps of an answer only what its user received (see ChatContract.truncateAnswer). */
  async truncateAnswer(userId: string, request: TruncateAnswerRequest): Promise<ChatMessage> {
    if (!(await this.sessions.findOwned(userId, request.sessionId))) throw notFound();
    const answer = await this.messages.findInSession(request.sessionId, request.messageId);
    if (!answer || answer.role !== 'assistant') {
      throw new DomainError(ErrorCode.NotFound, 'No answer with that id in this session');
    }
    if (answer.status === 'streaming') {
      throw new DomainError(
        ErrorCode.Conflict,
        'The answer is still being generated: cancel its stream first',
      );
    }
    const cut = await this.messages.cutAnswer(answer.id, commonPrefix(answer.content, request.keepText));
    if (!cut) throw new DomainError(ErrorCode.Conflict, 'The answer changed while it was being cut');
    return toMessageDto(cut);
  }

  /** Stores a turn answered outside chat (see ChatContract.recordExchange), and announces both messages. */
  async recordExchange(
    userId: string,
    request: RecordExchangeRequest,
  ): Promise<{ userMessageId: string; assistantMessageId: string }> {
    const stored = await this.messages.appendExchange(userId, request);
    if (!stored) throw notFound();
    await this.events.messageCreated(stored.user);
    await this.events.messageCreated(stored.assistant);
    return { userMessageId: stored.user.id, assistantMessageId: stored.assistant.id };
  }

  async update(caller: UserCaller, sessionId: string, update: UpdateSessionRequest): Promise<ChatSession> {
    const { userId } = caller;
    if (update.agentId && !(await this.sessions.findOwned(userId, sessionId))) throw notFound();
    if (update.agentId) await this.agents.assertOwn(caller, update.agentId);
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
    await this.events.sessionDeleted(userId, sessionId);
    return { deleted: true };
  }
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return a.slice(0, i);
}
