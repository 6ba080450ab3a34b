import { Inject, Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  CallerContext,
  ChatContract,
  CompletionMessage,
  DomainError,
  ErrorCode,
  ParsedRequestOf,
  ResponseOf,
} from '@conduit/contracts';
import { ModelCatalog } from '../catalog/model-catalog';
import type { ChatConfig } from '../config';
import { CHAT_CONFIG } from '../chat-config.token';
import { MessageEventsPublisher } from '../events/message-events.publisher';
import type { ChatMessage, ChatSession } from '../generated/prisma/client';
import { ConversationTree } from '../sessions/conversation-tree';
import { SessionTitler } from '../sessions/session-titler';
import { MessageRepository } from '../sessions/message.repository';
import { SessionRepository } from '../sessions/session.repository';
import { CompletionOutcome, CompletionRunner, CompletionStreamWriter } from './completion-runner';
import { fitToContextWindow } from './context-window';
import { emitOutcome } from './emit-outcome';
import { InFlightGenerations } from './in-flight-generations';
import { PartialTextSaver } from './partial-text-saver';
import { ResolvedModel } from '../catalog/model-catalog';
import { AttemptRepository } from './routing/attempt.repository';
import { Admission, UsageMeter } from '../usage/usage-meter.service';

type StartRequest = ParsedRequestOf<typeof ChatContract.startCompletion>;
type RegenerateRequest = ParsedRequestOf<typeof ChatContract.regenerate>;
type EditRequest = ParsedRequestOf<typeof ChatContract.editMessage>;

/** What a turn adds: a new user message after `parentId`, or (null) another answer to `answerTo`. */
interface TurnPlan {
  userMessage: { parentId: string | null; content: string } | null;
  answerTo: string | null;
}
type StartAck = ResponseOf<typeof ChatContract.startCompletion>;

/** Messages worth sending back to a model: everything said, including answers cut short. */
const usableInHistory = (m: ChatMessage) => m.content.length > 0 && m.role !== 'system';

/**
 * A new message in a session: stored before generation starts, answered as a stream, and the answer
 * stored as it grows and when it ends, whatever happens to the client.
 */
@Injectable()
export class SessionCompletionService {
  private readonly logger = new Logger(SessionCompletionService.name);

  constructor(
    private readonly bus: Bus,
    private readonly catalog: ModelCatalog,
    private readonly sessions: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly runner: CompletionRunner,
    private readonly inFlight: InFlightGenerations,
    private readonly events: MessageEventsPublisher,
    private readonly attempts: AttemptRepository,
    private readonly titler: SessionTitler,
    private readonly usage: UsageMeter,
    @Inject(CHAT_CONFIG) private readonly config: ChatConfig,
  ) {}

  /** A new user message, continuing the session's active branch. */
  start(userId: string, request: StartRequest, caller: CallerContext): Promise<StartAck> {
    return this.begin(userId, request, caller, (session) => ({
      userMessage: { parentId: session.activeLeafId, content: request.content },
      answerTo: null,
    }));
  }

  /** Another answer to the last user message of the active branch, kept beside the earlier ones. */
  regenerate(userId: string, request: RegenerateRequest, caller: CallerContext): Promise<StartAck> {
    return this.begin(userId, request, caller, (session, tree) => {
      const leaf = tree.get(session.activeLeafId);
      if (!leaf) throw new DomainError(ErrorCode.Conflict, 'The session has no message to answer again');
      if (leaf.status === 'streaming')
        throw new DomainError(ErrorCode.Conflict, 'An answer is still being generated');
      const question = leaf.role === 'user' ? leaf : tree.get(leaf.parentId);
      if (!question || question.role !== 'user') {
        throw new DomainError(ErrorCode.Conflict, 'The last message does not answer a user message');
      }
      return { userMessage: null, answerTo: question.id };
    });
  }

  /** A past user message said differently, continued as a new branch beside the original. */
  edit(userId: string, request: EditRequest, caller: CallerContext): Promise<StartAck> {
    return this.begin(userId, request, caller, (_session, tree) => {
      const original = tree.get(request.messageId);
      if (!original || original.role !== 'user') {
        throw new DomainError(ErrorCode.NotFound, 'No user message with that id in this session');
      }
      return { userMessage: { parentId: original.parentId, content: request.content }, answerTo: null };
    });
  }

  /**
   * Stores the turn and starts answering it. Messages are read alongside the ownership check and only
   * used once ownership is confirmed.
   */
  private async begin(
    userId: string,
    request: { streamId: string; sessionId: string; model?: string | undefined },
    caller: CallerContext,
    plan: (session: ChatSession, tree: ConversationTree) => TurnPlan,
  ): Promise<StartAck> {
    const [session, messages] = await Promise.all([
      this.sessions.findOwned(userId, request.sessionId),
      this.messages.sessionMessages(request.sessionId),
    ]);
    if (!session) throw new DomainError(ErrorCode.NotFound, 'Chat session not found');
    const tree = new ConversationTree(messages);
    const turn = plan(session, tree);
    const model = this.catalog.resolve(request.model ?? session.model);
    const branch = tree.branchTo(turn.userMessage ? turn.userMessage.parentId : turn.answerTo);
    const prompt = fitToContextWindow(
      [
        ...(session.systemPrompt ? [{ role: 'system' as const, content: session.systemPrompt }] : []),
        ...branch.filter(usableInHistory).map((m) => ({ role: m.role, content: m.content })),
        ...(turn.userMessage ? [{ role: 'user' as const, content: turn.userMessage.content }] : []),
      ],
      model.info.contextWindow,
      model.info.maxOutputTokens,
    );
    // Before anything is stored: a refused turn leaves no trace in the session.
    const admission = await this.usage.admit({
      userId,
      apiKeyId: caller.apiKeyId ?? null,
      model,
      messages: prompt,
      params: {},
    });
    const rows = await this.messages.createTurn({
      userId,
      sessionId: session.id,
      model: model.info.id,
      streamId: request.streamId,
      ...turn,
    });
    const writer = this.bus.createStreamWriter(ChatContract.completionStream, request.streamId, caller);
    const isFirstAnswer = !messages.some((m) => m.role === 'assistant');
    // Inside the stream's span: the provider call and the saves are part of the stream's trace.
    const generation = writer.run(() =>
      this.generate(writer, model, prompt, rows.assistantMessage.id, userId, admission).then((outcome) => {
        if (isFirstAnswer && outcome.status === 'complete') {
          return this.titler.nameIfUntitled(session, prompt, outcome.text, model);
        }
      }),
    );
    this.inFlight.track(
      writer,
      generation.finally(() => admission.release()),
    );
    if (rows.userMessage) void this.events.messageCreated(rows.userMessage);
    void this.messages.setActiveLeaf(session.id, rows.assistantMessage.id).catch((error: unknown) => {
      this.logger.error(`could not move session ${session.id} to its new answer: ${String(error)}`);
    });
    return {
      streamId: request.streamId,
      sessionId: session.id,
      userMessageId: rows.userMessage?.id ?? (turn.answerTo as string),
      assistantMessageId: rows.assistantMessage.id,
      model: model.info.id,
    };
  }

  private async generate(
    writer: CompletionStreamWriter,
    model: ResolvedModel,
    prompt: CompletionMessage[],
    assistantMessageId: string,
    userId: string,
    admission: Admission,
  ): Promise<CompletionOutcome> {
    const saver = new PartialTextSaver(
      this.messages,
      assistantMessageId,
      this.config.PARTIAL_FLUSH_INTERVAL_MS,
    );
    const outcome = await this.runner.run({
      model,
      messages: prompt,
      params: {},
      writer,
      timeouts: {
        firstChunkMs: this.config.PROVIDER_TIMEOUT_MS,
        stallMs: this.config.PROVIDER_STALL_TIMEOUT_MS,
      },
      onText: (text) => saver.update(text),
    });
    await saver.stop();
    const [saved] = await Promise.all([
      this.saveAnswer(assistantMessageId, outcome),
      this.attempts.record(
        { streamId: writer.streamId, messageId: assistantMessageId, userId },
        outcome.attempts,
      ),
      admission.record({ streamId: writer.streamId, messageId: assistantMessageId, outcome }),
    ]);
    emitOutcome(writer, outcome, assistantMessageId);
    if (saved) await this.events.messageCreated(saved);
    return outcome;
  }

  /** Stores the final answer; a failure is logged and the stream still ends, the client has the text. */
  private async saveAnswer(messageId: string, outcome: CompletionOutcome): Promise<ChatMessage | null> {
    try {
      return await this.messages.finish(messageId, {
        status: outcome.status,
        model: outcome.model.info.id,
        content: outcome.text,
        usage: outcome.usage,
        costUsd: outcome.costUsd,
        errorCode: outcome.error?.code ?? null,
      });
    } catch (error) {
      this.logger.error(`could not save answer ${messageId}: ${String(error)}`);
      return null;
    }
  }
}
