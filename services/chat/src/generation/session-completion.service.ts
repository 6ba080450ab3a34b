import { Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  CallerContext,
  ChatContract,
  DomainError,
  ErrorCode,
  MemorySettings,
  MemoryUse,
  ParsedRequestOf,
  ResponseOf,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import { ModelCatalog } from '../catalog/model-catalog';
import type { ChatConfig } from '../config';
import { MessageEventsPublisher } from '../events/message-events.publisher';
import type { ChatMessage } from '../generated/prisma/client';
import { BranchMessage, TurnContext, TurnStore } from '../sessions/turn.store';
import { SessionTitler } from '../sessions/session-titler';
import { FinishedAnswer, MessageRepository } from '../sessions/message.repository';
import { AnswerLeaseKeeper } from './answer-lease-keeper';
import { CompletionOutcome, CompletionRunner, CompletionStreamWriter } from './completion-runner';
import { ContextWindowFitter, FittedPrompt } from './context-window';
import { emitOutcome } from './emit-outcome';
import { InFlightGenerations } from './in-flight-generations';
import { PartialTextSaver } from './partial-text-saver';
import { ResolvedModel } from '../catalog/model-catalog';
import { AttemptRepository } from './routing/attempt.repository';
import { CompletionAdmission, CompletionMetering } from './completion-metering';
import { MemoryRecaller } from '../memory/memory-recaller';
import { memoryPromptOf } from '../memory/memory-prompt';
import { memorySettingsOf } from '../sessions/session.mapper';

type StartRequest = ParsedRequestOf<typeof ChatContract.startCompletion>;
type RegenerateRequest = ParsedRequestOf<typeof ChatContract.regenerate>;
type EditRequest = ParsedRequestOf<typeof ChatContract.editMessage>;

/** What a turn adds (a new user message, or another answer to `answerTo`) and the history it answers. */
interface TurnPlan {
  userMessage: { parentId: string | null; content: string } | null;
  answerTo: string | null;
  history: BranchMessage[];
}
type StartAck = ResponseOf<typeof ChatContract.startCompletion>;

/** Messages worth sending back to a model: everything said, including answers cut short. */
const usableInHistory = (m: BranchMessage) => m.content.length > 0 && m.role !== 'system';

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
    private readonly turns: TurnStore,
    private readonly messages: MessageRepository,
    private readonly runner: CompletionRunner,
    private readonly inFlight: InFlightGenerations,
    private readonly events: MessageEventsPublisher,
    private readonly attempts: AttemptRepository,
    private readonly titler: SessionTitler,
    private readonly usage: CompletionMetering,
    private readonly leases: AnswerLeaseKeeper,
    private readonly fitter: ContextWindowFitter,
    private readonly memory: MemoryRecaller,
    @InjectConfig() private readonly config: ChatConfig,
  ) {}

  /** A new user message, continuing the session's active branch. */
  start(userId: string, request: StartRequest, caller: CallerContext): Promise<StartAck> {
    return this.begin(userId, request, caller, null, ({ session, branch }) => ({
      userMessage: { parentId: session.activeLeafId, content: request.content },
      answerTo: null,
      history: branch,
    }));
  }

  /** Another answer to the last user message of the active branch, kept beside the earlier ones. */
  regenerate(userId: string, request: RegenerateRequest, caller: CallerContext): Promise<StartAck> {
    return this.begin(userId, request, caller, null, ({ branch }) => {
      const leaf = branch.at(-1);
      if (!leaf) throw new DomainError(ErrorCode.Conflict, 'The session has no message to answer again');
      if (leaf.status === 'streaming')
        throw new DomainError(ErrorCode.Conflict, 'An answer is still being generated');
      const history = leaf.role === 'user' ? branch : branch.slice(0, -1);
      const question = history.at(-1);
      if (!question || question.role !== 'user') {
        throw new DomainError(ErrorCode.Conflict, 'The last message does not answer a user message');
      }
      return { userMessage: null, answerTo: question.id, history };
    });
  }

  /** A past user message said differently, continued as a new branch beside the original. */
  edit(userId: string, request: EditRequest, caller: CallerContext): Promise<StartAck> {
    return this.begin(userId, request, caller, request.messageId, ({ branch }) => {
      const original = branch.at(-1);
      if (!original || original.id !== request.messageId || original.role !== 'user') {
        throw new DomainError(ErrorCode.NotFound, 'No user message with that id in this session');
      }
      return {
        userMessage: { parentId: original.parentId, content: request.content },
        answerTo: null,
        history: branch.slice(0, -1),
      };
    });
  }

  /**
   * Stores the turn and starts answering it. Two round trips to Postgres come before the provider call:
   * the session with the branch to continue (ownership checked in the same query), and the turn itself.
   */
  private async begin(
    userId: string,
    request: {
      streamId: string;
      sessionId: string;
      model?: string | undefined;
      memory?: MemorySettings | undefined;
    },
    caller: CallerContext,
    branchEnd: string | null,
    plan: (context: TurnContext) => TurnPlan,
  ): Promise<StartAck> {
    // The budgets do not depend on the turn: they are looked up while the session is read.
    const budgets = this.usage.budgetsFor(userId, caller.apiKeyId ?? null);
    budgets.catch(() => undefined); // awaited below; an early return must not leave it unhandled
    const context = await this.turns.load(userId, request.sessionId, branchEnd);
    if (!context) throw new DomainError(ErrorCode.NotFound, 'Chat session not found');
    const { session } = context;
    const turn = plan(context);
    const model = this.catalog.resolve(request.model ?? session.model);
    const recalled = await this.recall(
      caller,
      request.memory ?? memorySettingsOf(session.memory),
      turn,
      session.id,
      model.info.contextWindow,
    );
    const fitted = this.fitter.fit(
      [
        ...(session.systemPrompt ? [{ role: 'system' as const, content: session.systemPrompt }] : []),
        ...(recalled?.prompt ? [{ role: 'system' as const, content: recalled.prompt }] : []),
        ...turn.history.filter(usableInHistory).map((m) => ({ id: m.id, role: m.role, content: m.content })),
        ...(turn.userMessage ? [{ role: 'user' as const, content: turn.userMessage.content }] : []),
      ],
      model.info.contextWindow,
      model.info.maxOutputTokens,
    );
    const prompt = recalled ? { ...fitted, context: { ...fitted.context, memory: recalled.use } } : fitted;
    // Before anything is stored: a refused turn leaves no trace in the session.
    const admission = await this.usage.admit(
      { userId, apiKeyId: caller.apiKeyId ?? null, model, messages: prompt.messages, params: {} },
      budgets,
    );
    let stored;
    try {
      stored = await this.turns.insert({
        userId,
        sessionId: session.id,
        model: model.info.id,
        streamId: request.streamId,
        userMessage: turn.userMessage,
        answerTo: turn.answerTo,
        leaseMs: this.config.STALE_STREAM_AFTER_MS,
        promptContext: prompt.context,
      });
    } catch (error) {
      admission.release();
      throw error;
    }
    const writer = this.bus.createStreamWriter(ChatContract.completionStream, request.streamId, caller);
    const isFirstAnswer = !context.branch.some((m) => m.role === 'assistant');
    // Inside the stream's span: the provider call and the saves are part of the stream's trace.
    const generation = writer.run(() =>
      this.generate(writer, model, prompt, stored.assistantMessageId, userId, admission).then((outcome) => {
        if (isFirstAnswer && outcome.status === 'complete') {
          return this.titler.nameIfUntitled(session, prompt.messages, outcome.text, model);
        }
      }),
    );
    this.inFlight.track(
      writer,
      generation.finally(() => admission.release()),
    );
    if (turn.userMessage && stored.userMessageId) {
      const event = {
        messageId: stored.userMessageId,
        sessionId: session.id,
        parentId: turn.userMessage.parentId,
        userId,
        role: 'user' as const,
        content: turn.userMessage.content,
        status: 'complete' as const,
        model: null,
        createdAt: stored.createdAt.toISOString(),
      };
      // After the provider call is under way: announcing the message must not delay the first token.
      setImmediate(() => void this.events.publish(event));
    }
    return {
      streamId: request.streamId,
      sessionId: session.id,
      userMessageId: stored.userMessageId ?? (turn.answerTo as string),
      assistantMessageId: stored.assistantMessageId,
      model: model.info.id,
    };
  }

  /**
   * For a turn that uses memory: the passages recalled for its question, as a system message that fits
   * a quarter of the model's window (at most MEMORY_MAX_PROMPT_CHARS), and what the answer will cite.
   */
  private async recall(
    caller: CallerContext,
    settings: MemorySettings,
    turn: TurnPlan,
    sessionId: string,
    contextWindow: number,
  ): Promise<{ prompt: string | null; use: MemoryUse } | null> {
    const question = turn.userMessage?.content ?? turn.history.at(-1)?.content;
    if (!settings.enabled || !question) return null;
    const { passages, use } = await this.memory.recall(caller, settings, question, sessionId);
    // About four characters per token: a quarter of the window at most goes to memory.
    const prompt = memoryPromptOf(passages, Math.min(this.config.MEMORY_MAX_PROMPT_CHARS, contextWindow));
    if (use.status !== 'used') return { prompt: null, use };
    const included = prompt?.included ?? 0;
    return {
      prompt: prompt?.content ?? null,
      use: { status: included > 0 ? 'used' : 'none', citations: use.citations.slice(0, included) },
    };
  }

  private async generate(
    writer: CompletionStreamWriter,
    model: ResolvedModel,
    prompt: FittedPrompt,
    assistantMessageId: string,
    userId: string,
    admission: CompletionAdmission,
  ): Promise<CompletionOutcome> {
    // Released once the final save is done: until then the answer is this replica's, however long it takes.
    const releaseLease = this.leases.hold(assistantMessageId);
    let outcome: CompletionOutcome;
    let saved: ChatMessage | null;
    try {
      const saver = new PartialTextSaver(
        this.messages,
        assistantMessageId,
        this.config.PARTIAL_FLUSH_INTERVAL_MS,
      );
      outcome = await this.runner.run({
        model,
        messages: prompt.messages,
        params: {},
        writer,
        timeouts: {
          firstChunkMs: this.config.PROVIDER_TIMEOUT_MS,
          stallMs: this.config.PROVIDER_STALL_TIMEOUT_MS,
        },
        onText: (text) => saver.update(text),
      });
      await saver.stop();
      [saved] = await Promise.all([
        this.saveAnswer(assistantMessageId, outcome),
        this.attempts.record(
          { streamId: writer.streamId, messageId: assistantMessageId, userId },
          outcome.attempts,
        ),
        admission.record({ streamId: writer.streamId, messageId: assistantMessageId, outcome }),
      ]);
    } finally {
      releaseLease();
    }
    emitOutcome(writer, outcome, assistantMessageId, prompt.context);
    if (saved) await this.events.messageCreated(saved);
    return outcome;
  }

  /**
   * Stores the final answer; the stream still ends if that fails (the client has the text), and a save
   * that finds no answer to update says why in the log.
   */
  private async saveAnswer(messageId: string, outcome: CompletionOutcome): Promise<ChatMessage | null> {
    let finished: FinishedAnswer;
    try {
      finished = await this.messages.finish(messageId, {
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
    switch (finished.kind) {
      case 'saved':
        return finished.message;
      case 'restored':
        this.logger.warn(
          `answer ${messageId} had been marked interrupted (its lease was not renewed in time); saved as ${outcome.status}`,
        );
        return finished.message;
      case 'gone':
        this.logger.warn(`answer ${messageId} was not saved: it was deleted with its session`);
        return null;
      case 'already-final':
        this.logger.error(`answer ${messageId} was not saved: it had already ended as ${finished.status}`);
        return null;
    }
  }
}
