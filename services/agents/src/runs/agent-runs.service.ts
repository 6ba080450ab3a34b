import { Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  AgentsContract,
  DomainError,
  ErrorCode,
  type AgentRun,
  type CallerContext,
  type ErrorBody,
  type RunPage,
  type RunStatus,
  type RunStopReason,
  type RunTrigger,
  type RunUsage,
  type TranscriptMessage,
} from '@conduit/contracts';
import { decodeSeqCursor, encodeSeqCursor, InjectConfig } from '@conduit/service-kit';
import { randomUUID } from 'node:crypto';
import { AgentsService } from '../agents/agents.service';
import type { AgentsConfig } from '../config';
import { AgentModels } from '../models/agent-models';
import { ToolRegistry } from '../tools/tool-registry';
import { InFlightRuns } from './in-flight-runs';
import { runAgentLoop } from './run-loop';
import { RunMetering } from './run-metering';
import { RunRepository, type RunProgress } from './run.repository';

export interface StartRunRequest {
  userId: string;
  /** The API key the request came with (its budgets apply); null or left out for others. */
  apiKeyId?: string | null;
  agentId: string;
  input: string;
  trigger: RunTrigger;
  /** A finished run of the same agent whose transcript comes first. */
  continueRunId?: string;
  /** A conversation held elsewhere (a chat session's branch) that comes first; not with `continueRunId`. */
  history?: TranscriptMessage[];
  /** The run's id, and the id of the stream its events go to; a new one when left out. */
  runId?: string;
  /** Trace context to continue (a bus request's caller); none for runs started in-process. */
  caller?: CallerContext;
  /** Cancels the run when aborted, as its owner's cancel does. */
  signal?: AbortSignal;
}

/** How a run ended. */
export interface RunOutcome {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  stopReason: RunStopReason;
  answer: string;
  steps: number;
  toolCalls: number;
  usage: RunUsage;
  costUsd: number;
  error: ErrorBody | null;
}

export interface StartedRun {
  runId: string;
  agentId: string;
  model: string;
  /** Settles when the run has ended and is stored; never rejects. */
  finished: Promise<RunOutcome>;
}

const CURSOR_TAG = 'r';
/** How far behind a running run's stored transcript may be (a replica that dies loses at most this). */
const PROGRESS_SAVE_INTERVAL_MS = 1_000;

/**
 * Runs of agents: started here (by the bus handler, or in-process by schedules), produced on this
 * replica, streamed on `agents.run.events.<runId>` (cancellable through the stream's cancel subject,
 * resumable from its retention), and stored with their transcript as they go.
 */
@Injectable()
export class AgentRuns {
  private readonly logger = new Logger(AgentRuns.name);

  constructor(
    private readonly bus: Bus,
    private readonly agents: AgentsService,
    private readonly models: AgentModels,
    private readonly tools: ToolRegistry,
    private readonly runs: RunRepository,
    private readonly metering: RunMetering,
    private readonly inFlight: InFlightRuns,
    @InjectConfig() private readonly config: AgentsConfig,
  ) {}

  /**
   * Starts a run and returns once it is stored and producing. NOT_FOUND for an agent (or a run to
   * continue) that is not the user's, UNKNOWN_MODEL / MODEL_UNAVAILABLE for a model this deployment
   * cannot call, CONFLICT for a run id already used or a run to continue that has not finished.
   */
  async start(request: StartRunRequest): Promise<StartedRun> {
    const { userId } = request;
    const runId = request.runId ?? randomUUID();
    const history = request.continueRunId
      ? await this.historyOf(userId, request.agentId, request.continueRunId)
      : (request.history ?? []);
    const transcript: TranscriptMessage[] = [...history, { role: 'user', text: request.input }];
    // The agent is read and the run stored in one round trip: the start's acknowledgement waits on it.
    const newRun = {
      id: runId,
      userId,
      agentId: request.agentId,
      trigger: request.trigger,
      input: request.input,
      continuesRunId: request.continueRunId ?? null,
    };
    const { agent, inserted } = await this.runs.insertForAgent({ ...newRun, transcript });
    if (!agent) throw new DomainError(ErrorCode.NotFound, `No agent ${request.agentId}`);
    if (!inserted) throw new DomainError(ErrorCode.Conflict, `A run with id ${runId} exists already`);
    let model;
    try {
      model = this.models.resolve(agent.model);
    } catch (error) {
      await this.runs.delete(userId, runId);
      throw error;
    }

    const owner: CallerContext = { ...request.caller, userId, apiKeyId: request.apiKeyId ?? null };
    const writer = this.bus.createStreamWriter(AgentsContract.runStream, runId, owner);
    const caller = { userId, apiKeyId: request.apiKeyId ?? null };
    if (request.signal) {
      const cancel = () => writer.abort('cancelled by its starter');
      if (request.signal.aborted) cancel();
      else request.signal.addEventListener('abort', cancel, { once: true });
    }
    // Progress is stored in the background, in order, off the run's path, at most once a
    // PROGRESS_SAVE_INTERVAL_MS (a short run is stored twice: at its start and its end); the end waits
    // for a save in flight.
    let progressSaved = Promise.resolve();
    let lastSavedAt = performance.now();
    const saveProgress = (progress: RunProgress): Promise<void> => {
      if (performance.now() - lastSavedAt < PROGRESS_SAVE_INTERVAL_MS) return Promise.resolve();
      lastSavedAt = performance.now();
      const snapshot = { ...progress, transcript: [...progress.transcript] };
      progressSaved = progressSaved
        .then(() => this.runs.saveProgress(userId, runId, snapshot))
        .catch((error: unknown) => this.logger.warn(`run ${runId}: progress not stored: ${String(error)}`));
      return Promise.resolve();
    };
    const finished = writer.run(async (): Promise<RunOutcome> => {
      let end;
      try {
        const tools = await this.tools.toolsFor(userId, agent, writer.signal);
        end = await runAgentLoop({
          runId,
          agentId: agent.id,
          caller,
          model,
          system: agent.instructions,
          transcript,
          tools,
          limits: agent.limits,
          toolTimeoutMs: this.config.AGENTS_TOOL_TIMEOUT_MS,
          cancel: writer.signal,
          metering: this.metering,
          emit: (event) => writer.emit(event),
          saveProgress,
          onUnexpectedError: (error) => this.logger.error(`run ${runId} failed: ${String(error)}`),
        });
      } catch (error) {
        // Gathering the tools failed (a tool source's service is down): the run ends before its first step.
        this.logger.warn(`run ${runId} could not gather its tools: ${String(error)}`);
        const body =
          error instanceof DomainError
            ? error.toBody()
            : {
                code: ErrorCode.ServiceUnavailable,
                message: 'The tools of this agent could not be gathered',
              };
        end = {
          transcript,
          answer: '',
          steps: 0,
          toolCalls: 0,
          usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, estimated: false },
          costUsd: 0,
          timings: { totalMs: 0, modelMs: 0, toolsMs: 0 },
          status: 'failed' as const,
          stopReason: 'failed' as const,
          error: body,
        };
      }
      await progressSaved;
      await this.runs.finish({ ...newRun, model: agent.model }, end).catch((error: unknown) => {
        this.logger.error(`run ${runId} ended but could not be stored: ${String(error)}`);
      });
      // Stored first: a client that sees the end and reads the run finds it ended.
      if (end.error) writer.fail(end.error);
      else {
        writer.emit({
          type: 'done',
          runId,
          status: end.status as 'succeeded' | 'limited' | 'cancelled',
          stopReason: end.stopReason as Exclude<RunStopReason, 'failed'>,
          answer: end.answer,
          steps: end.steps,
          toolCalls: end.toolCalls,
          usage: end.usage,
          costUsd: end.costUsd,
          model: model.id,
        });
      }
      return {
        runId,
        status: end.status,
        stopReason: end.stopReason,
        answer: end.answer,
        steps: end.steps,
        toolCalls: end.toolCalls,
        usage: end.usage,
        costUsd: end.costUsd,
        error: end.error,
      };
    });
    this.inFlight.track(writer, finished);
    return { runId, agentId: agent.id, model: model.id, finished };
  }

  async get(userId: string, agentId: string, runId: string): Promise<AgentRun> {
    const run = await this.runs.find(userId, agentId, runId);
    if (!run) throw new DomainError(ErrorCode.NotFound, `No run ${runId} of agent ${agentId}`);
    return run;
  }

  async list(
    userId: string,
    agentId: string,
    query: { limit: number; cursor?: string | undefined },
  ): Promise<RunPage> {
    await this.agents.get(userId, agentId);
    const before = query.cursor ? decodeSeqCursor(CURSOR_TAG, query.cursor) : null;
    const rows = await this.runs.page(userId, agentId, query.limit + 1, before);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      data: page.map((row) => row.run),
      nextCursor: rows.length > query.limit && last ? encodeSeqCursor(CURSOR_TAG, last.seq) : null,
    };
  }

  private async historyOf(userId: string, agentId: string, runId: string): Promise<TranscriptMessage[]> {
    const previous = await this.get(userId, agentId, runId);
    if (previous.status === 'running') {
      throw new DomainError(ErrorCode.Conflict, `Run ${runId} has not finished; continue it once it has`);
    }
    // A step cut short leaves calls without results; drop them so every provider takes the history.
    return previous.transcript.map((message, i, all) =>
      message.role === 'assistant' && message.toolCalls.length > 0 && all[i + 1]?.role !== 'tool'
        ? { ...message, toolCalls: [] }
        : message,
    );
  }
}
