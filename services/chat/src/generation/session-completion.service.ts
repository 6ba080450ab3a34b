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
import type { ChatMessage } from '../generated/prisma/client';
import { MessageRepository } from '../sessions/message.repository';
import { SessionRepository } from '../sessions/session.repository';
import { CompletionOutcome, CompletionRunner, CompletionStreamWriter } from './completion-runner';
import { fitToContextWindow } from './context-window';
import { emitOutcome } from './emit-outcome';
import { InFlightGenerations } from './in-flight-generations';
import { PartialTextSaver } from './partial-text-saver';
import { ResolvedModel } from '../catalog/model-catalog';
import { AttemptRepository } from './routing/attempt.repository';

type StartRequest = ParsedRequestOf<typeof ChatContract.startCompletion>;
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
    @Inject(CHAT_CONFIG) private readonly config: ChatConfig,
  ) {}

  async start(userId: string, request: StartRequest, caller: CallerContext): Promise<StartAck> {
    // History is read alongside the ownership check and only used once ownership is confirmed.
    const [session, history] = await Promise.all([
      this.sessions.findOwned(userId, request.sessionId),
      this.messages.recentHistory(request.sessionId),
    ]);
    if (!session) throw new DomainError(ErrorCode.NotFound, 'Chat session not found');
    const model = this.catalog.resolve(request.model ?? session.model);
    const prompt = fitToContextWindow(
      [
        ...(session.systemPrompt ? [{ role: 'system' as const, content: session.systemPrompt }] : []),
        ...history.filter(usableInHistory).map((m) => ({ role: m.role, content: m.content })),
        { role: 'user', content: request.content },
      ],
      model.info.contextWindow,
      model.info.maxOutputTokens,
    );
    const rows = await this.messages.startExchange({
      userId,
      sessionId: session.id,
      content: request.content,
      model: model.info.id,
      streamId: request.streamId,
    });
    const writer = this.bus.createStreamWriter(ChatContract.completionStream, request.streamId, caller);
    // Inside the stream's span: the provider call and the saves are part of the stream's trace.
    const generation = writer.run(() =>
      this.generate(writer, model, prompt, rows.assistantMessage.id, userId),
    );
    this.inFlight.track(writer, generation);
    void this.events.messageCreated(rows.userMessage);
    void this.messages.touchSession(session.id).catch(() => undefined);
    return {
      streamId: request.streamId,
      sessionId: session.id,
      userMessageId: rows.userMessage.id,
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
  ): Promise<void> {
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
    ]);
    emitOutcome(writer, outcome, assistantMessageId);
    if (saved) await this.events.messageCreated(saved);
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
