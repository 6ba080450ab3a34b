import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  CallerContext,
  ChatContract,
  ChatTurnHistoryMessage,
  DomainError,
  ErrorCode,
  MAX_CHAT_TURN_HISTORY_CHARS,
  MAX_RUN_INPUT_CHARS,
  MemorySettings,
  MemoryUse,
  ParsedRequestOf,
  ResponseOf,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import { ModelCatalog } from '../catalog/model-catalog';
import type { ChatConfig } from '../config';
import { MessageEventsPublisher } from '../events/message-events.publisher';
import { AgentTurns, StartedAgentTurn } from './agent-turns';
import { BranchMessage, StoredTurn, TurnContext, TurnStore } from '../sessions/turn.store';
import { SessionTitler } from '../sessions/session-titler';
import { AnswerRecorder } from './answer-recorder';
import { CompletionRunner, CompletionStreamWriter } from './completion-runner';
import { ContextWindowFitter, FittedPrompt } from './context-window';
import { AnswerEnd, answerEndOf } from './emit-outcome';
import { InFlightGenerations } from './in-flight-generations';
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
type TurnRequest = {
  streamId: string;
  sessionId: string;
  model?: string | undefined;
  memory?: MemorySettings | undefined;
};

/** Messages worth sending back to a model: everything said, including answers cut short. */
const usableInHistory = (m: BranchMessage) => m.content.length > 0 && m.role !== 'system';

/** The history an agent is given with a turn of a linked session: the newest messages up to this many tokens. */
export const AGENT_TURN_HISTORY_TOKENS = 64_000;

/**
 * A new message in a session: stored before generation starts, answered as a stream, and the answer
 * stored as it grows and when it ends, whatever happens to the client.
 */
@Injectable()
export class SessionCompletionService {
  constructor(
    private readonly bus: Bus,
    private readonly catalog: ModelCatalog,
    private readonly turns: TurnStore,
    private readonly runner: CompletionRunner,
    private readonly inFlight: InFlightGenerations,
    private readonly events: MessageEventsPublisher,
    private readonly attempts: AttemptRepository,
    private readonly titler: SessionTitler,
    private readonly usage: CompletionMetering,
    private readonly answers: AnswerRecorder,
    private readonly fitter: ContextWindowFitter,
    private readonly memory: MemoryRecaller,
    private readonly agentTurns: AgentTurns,
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
    request: TurnRequest,
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
    if (session.agentId) {
      const started = await this.startAgentTurn(caller, { ...session, agentId: session.agentId }, turn);
      // Null: the agent is gone and the session was unlinked; plain chat answers.
      if (started) return this.answerByAgent(userId, request, caller, context, turn, started);
    }
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
    let stored: StoredTurn;
    try {
      stored = await this.storeTurn(userId, request, context, turn, model.info.id, prompt.context);
    } catch (error) {
      admission.release();
      throw error;
    }
    this.produce(userId, request, caller, context, turn, stored, model, (writer) =>
      this.generate(writer, model, prompt, stored.assistantMessageId, userId, admission).finally(() =>
        admission.release(),
      ),
    );
    return this.ackOf(request, session.id, turn, stored, model.info.id);
  }

  /**
   * For a session linked to an agent: the turn as a run of the agent, given the branch so far (the newest
   * messages up to AGENT_TURN_HISTORY_TOKENS). The agent's instructions, model, tools and limits apply;
   * the session's model, system prompt and memory do not. Null when the agent is gone.
   */
  private async startAgentTurn(
    caller: CallerContext,
    session: { id: string; userId: string; agentId: string },
    turn: TurnPlan,
  ): Promise<{ started: StartedAgentTurn; context: FittedPrompt['context'] } | null> {
    // A regeneration answers the branch's last user message again.
    const input = turn.userMessage?.content ?? turn.history.at(-1)?.content ?? '';
    const earlier = turn.userMessage ? turn.history : turn.history.slice(0, -1);
    if (input.length > MAX_RUN_INPUT_CHARS) {
      throw new DomainError(ErrorCode.ValidationFailed, 'The message is too long for an agent', {
        fields: [
          { path: 'content', message: `must be at most ${MAX_RUN_INPUT_CHARS} characters for an agent` },
        ],
      });
    }
    const fitted = this.fitter.fit(
      [
        ...earlier.filter(usableInHistory).map((m) => ({ id: m.id, role: m.role, content: m.content })),
        { role: 'user' as const, content: input },
      ],
      AGENT_TURN_HISTORY_TOKENS,
      0,
    );
    const history = historyWithin(fitted.messages.slice(0, -1), MAX_CHAT_TURN_HISTORY_CHARS);
    const started = await this.agentTurns.start(caller, session, history, input);
    return started ? { started, context: fitted.context } : null;
  }

  private async answerByAgent(
    userId: string,
    request: TurnRequest,
    caller: CallerContext,
    context: TurnContext,
    turn: TurnPlan,
    agentTurn: { started: StartedAgentTurn; context: FittedPrompt['context'] },
  ): Promise<StartAck> {
    const { started } = agentTurn;
    let stored: StoredTurn;
    try {
      stored = await this.storeTurn(userId, request, context, turn, started.model, agentTurn.context);
    } catch (error) {
      started.abandon();
      throw error;
    }
    // The session's own model names it (the agent's may not be in chat's catalog).
    const titleModel = this.catalog.find(context.session.model)
      ? this.catalog.resolve(context.session.model)
      : null;
    this.produce(userId, request, caller, context, turn, stored, titleModel, (writer) =>
      this.answers.record(writer, stored.assistantMessageId, agentTurn.context, async (onText) => ({
        end: await started.relay(writer, onText),
      })),
    );
    return this.ackOf(request, context.session.id, turn, stored, started.model);
  }

  private storeTurn(
    userId: string,
    request: TurnRequest,
    context: TurnContext,
    turn: TurnPlan,
    model: string,
    promptContext: FittedPrompt['context'],
  ): Promise<StoredTurn> {
    return this.turns.insert({
      userId,
      sessionId: context.session.id,
      model,
      streamId: request.streamId,
      userMessage: turn.userMessage,
      answerTo: turn.answerTo,
      leaseMs: this.config.STALE_STREAM_AFTER_MS,
      promptContext,
    });
  }

  /**
   * Produces a stored turn's answer on its stream, in the background; names the session after its first
   * answer, and announces the user's message once the answer is under way.
   */
  private produce(
    userId: string,
    request: TurnRequest,
    caller: CallerContext,
    context: TurnContext,
    turn: TurnPlan,
    stored: StoredTurn,
    titleModel: ResolvedModel | null,
    answer: (writer: CompletionStreamWriter) => Promise<AnswerEnd>,
  ): void {
    const { session } = context;
    const writer = this.bus.createStreamWriter(ChatContract.completionStream, request.streamId, caller);
    const isFirstAnswer = !context.branch.some((m) => m.role === 'assistant');
    // Inside the stream's span: the provider call and the saves are part of the stream's trace.
    const generation = writer.run(() =>
      answer(writer).then((end) => {
        if (!isFirstAnswer || end.status !== 'complete' || !titleModel) return;
        const question = turn.userMessage?.content ?? turn.history.at(-1)?.content ?? '';
        return this.titler.nameIfUntitled(
          session,
          [{ role: 'user', content: question }],
          end.text,
          titleModel,
        );
      }),
    );
    this.inFlight.track(writer, generation);
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
  }

  private ackOf(
    request: TurnRequest,
    sessionId: string,
    turn: TurnPlan,
    stored: StoredTurn,
    model: string,
  ): StartAck {
    return {
      streamId: request.streamId,
      sessionId,
      userMessageId: stored.userMessageId ?? (turn.answerTo as string),
      assistantMessageId: stored.assistantMessageId,
      model,
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

  private generate(
    writer: CompletionStreamWriter,
    model: ResolvedModel,
    prompt: FittedPrompt,
    assistantMessageId: string,
    userId: string,
    admission: CompletionAdmission,
  ): Promise<AnswerEnd> {
    return this.answers.record(writer, assistantMessageId, prompt.context, async (onText) => {
      const outcome = await this.runner.run({
        model,
        messages: prompt.messages,
        params: {},
        writer,
        timeouts: {
          firstChunkMs: this.config.PROVIDER_TIMEOUT_MS,
          stallMs: this.config.PROVIDER_STALL_TIMEOUT_MS,
        },
        onText,
      });
      return {
        end: answerEndOf(outcome),
        records: [
          this.attempts.record(
            { streamId: writer.streamId, messageId: assistantMessageId, userId },
            outcome.attempts,
          ),
          admission.record({ streamId: writer.streamId, messageId: assistantMessageId, outcome }),
        ],
      };
    });
  }
}

/** The newest of `messages` whose text fits `maxChars`, as an agent run's history. */
function historyWithin(
  messages: readonly { role: string; content: string }[],
  maxChars: number,
): ChatTurnHistoryMessage[] {
  const kept: ChatTurnHistoryMessage[] = [];
  let chars = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    chars += message.content.length;
    if (chars > maxChars) break;
    kept.push({ role: message.role === 'assistant' ? 'assistant' : 'user', text: message.content });
  }
  return kept.reverse();
}
