import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Bus } from '@conduit/bus';
import {
  AgentsChatContract,
  AgentsContract,
  CallerContext,
  ChatTurnHistoryMessage,
  ErrorCode,
  isDomainError,
  StreamEventOf,
} from '@conduit/contracts';
import { SessionRepository } from '../sessions/session.repository';
import type { CompletionStreamWriter } from './completion-runner';
import type { AnswerEnd } from './emit-outcome';

type RunEvent = StreamEventOf<typeof AgentsContract.runStream>;

/** A turn the agents service took on: its run's stream is read from before it started, so nothing is missed. */
export interface StartedAgentTurn {
  runId: string;
  /** The agent's model. */
  model: string;
  /** Relays the run into the chat answer until the run ends; resolves with how it ended (never rejects). */
  relay(writer: CompletionStreamWriter, onText: (textSoFar: string) => void): Promise<AnswerEnd>;
  /** For a turn that could not be stored: stops the run and stops reading it. */
  abandon(): void;
}

/**
 * The answers of sessions linked to an agent: each turn is a run of the agent in the agents service
 * (over the bus, as the user), whose text becomes the chat answer's deltas and whose steps are relayed as
 * they are; the run's end becomes the answer's.
 */
@Injectable()
export class AgentTurns {
  private readonly logger = new Logger(AgentTurns.name);

  constructor(
    private readonly bus: Bus,
    private readonly sessions: SessionRepository,
  ) {}

  /**
   * Starts the turn as a run of the session's agent. Null when the agent no longer exists (deleted): the
   * session is then unlinked from it, and the turn is for plain chat to answer.
   */
  async start(
    caller: CallerContext,
    session: { id: string; userId: string; agentId: string },
    history: ChatTurnHistoryMessage[],
    input: string,
  ): Promise<StartedAgentTurn | null> {
    try {
      return await this.startRun(caller, session.agentId, history, input);
    } catch (error) {
      if (!isDomainError(error) || error.code !== ErrorCode.NotFound) throw error;
      this.logger.log(`session ${session.id}: its agent ${session.agentId} is gone; unlinked`);
      await this.sessions.unlinkAgent(session.userId, session.id, session.agentId);
      return null;
    }
  }

  private async startRun(
    caller: CallerContext,
    agentId: string,
    history: ChatTurnHistoryMessage[],
    input: string,
  ): Promise<StartedAgentTurn> {
    const runId = randomUUID();
    const reader = this.bus.openStream(AgentsContract.runStream, runId);
    let ack;
    try {
      ack = await this.bus.request(
        AgentsChatContract.startTurn,
        { streamId: runId, agentId, history, input },
        caller,
      );
    } catch (error) {
      reader.close();
      throw error;
    }
    const cancelRun = () =>
      void this.bus.cancelStream(AgentsContract.runStream, runId, caller).catch(() => undefined);
    return {
      runId,
      model: ack.model,
      abandon: () => {
        cancelRun();
        reader.close();
      },
      relay: async (writer, onText) => {
        const onAbort = () => cancelRun();
        writer.signal.addEventListener('abort', onAbort, { once: true });
        if (writer.signal.aborted) onAbort();
        let text = '';
        let last: RunEvent | null = null;
        try {
          for await (const event of reader) {
            last = event;
            if (event.type === 'delta') {
              text += event.text;
              writer.emit({ type: 'delta', text: event.text });
              onText(text);
            } else if (isStepEvent(event)) {
              const { seq: _seq, ...step } = event;
              writer.emit(step);
            }
          }
        } finally {
          writer.signal.removeEventListener('abort', onAbort);
        }
        return endOf(last, text, ack.model, agentId, runId, writer.signal.reason === 'shutdown');
      },
    };
  }
}

type StepEvent = Extract<RunEvent, { type: 'step.started' | 'tool.call' | 'tool.result' | 'step.finished' }>;

function isStepEvent(event: RunEvent): event is StepEvent {
  return (
    event.type === 'step.started' ||
    event.type === 'tool.call' ||
    event.type === 'tool.result' ||
    event.type === 'step.finished'
  );
}

const NO_USAGE = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, estimated: false };

function endOf(
  last: RunEvent | null,
  text: string,
  model: string,
  agentId: string,
  runId: string,
  shutdown: boolean,
): AnswerEnd {
  if (last?.type !== 'done') {
    return {
      status: 'failed',
      modelId: model,
      text,
      usage: NO_USAGE,
      costUsd: 0,
      finishReason: 'stop',
      error:
        last?.type === 'error'
          ? last.error
          : { code: ErrorCode.StreamLost, message: 'The agent run ended without an answer' },
    };
  }
  const cancelled = last.status === 'cancelled';
  return {
    status: cancelled ? (shutdown ? 'interrupted' : 'cancelled') : 'complete',
    modelId: last.model,
    text,
    usage: last.usage,
    costUsd: last.costUsd,
    finishReason: cancelled ? 'cancelled' : last.status === 'limited' ? 'length' : 'stop',
    error:
      cancelled && shutdown
        ? { code: ErrorCode.StreamLost, message: 'The chat service shut down mid-answer' }
        : null,
    agentRun: {
      agentId,
      runId,
      stopReason: last.stopReason,
      steps: last.steps,
      toolCalls: last.toolCalls,
    },
  };
}
