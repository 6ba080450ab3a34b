import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import type {
  Agent,
  AgentRun,
  AgentRunSummary,
  ErrorBody,
  RunStatus,
  RunStopReason,
  RunTrigger,
  RunUsage,
  TranscriptMessage,
} from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';
import { AGENT_COLUMNS, toStored, type AgentRow } from '../agents/agent.repository';
import { TickBatcher } from './tick-batcher';

export interface NewRun {
  id: string;
  userId: string;
  agentId: string;
  trigger: RunTrigger;
  input: string;
  transcript: readonly TranscriptMessage[];
  continuesRunId: string | null;
}

/** What a run was started with, as its end stores it again. */
export interface StoredRunStart extends Omit<NewRun, 'transcript'> {
  model: string;
}

interface RunEndOf {
  run: StoredRunStart;
  end: RunEnd;
}

/** Where a run stands after a step, or at its end. */
export interface RunProgress {
  transcript: readonly TranscriptMessage[];
  answer: string;
  steps: number;
  toolCalls: number;
  usage: RunUsage;
  costUsd: number;
  timings: AgentRun['timings'];
}

export interface RunEnd extends RunProgress {
  status: Exclude<RunStatus, 'running'>;
  stopReason: RunStopReason;
  error: ErrorBody | null;
}

interface RunRow {
  id: string;
  seq: string;
  agent_id: string;
  model: string;
  trigger: RunTrigger;
  status: RunStatus;
  stop_reason: RunStopReason | null;
  input: string;
  answer: string;
  steps: number;
  tool_calls: number;
  usage: RunUsage;
  cost_usd: number;
  error: ErrorBody | null;
  continues_run_id: string | null;
  timings: AgentRun['timings'];
  created_at: Date;
  finished_at: Date | null;
  transcript?: TranscriptMessage[];
}

const SUMMARY = `id, seq::text, agent_id, model, trigger, status, stop_reason, input, answer, steps, tool_calls,
  usage, cost_usd, error, continues_run_id, timings, created_at, finished_at`;

const Uuid = z.uuid();

const NO_USAGE: RunUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, estimated: false };

/** Runs and their transcripts; every query is scoped to the owner. */
@Injectable()
export class RunRepository {
  private readonly starts = new TickBatcher<NewRun, { agent: Agent | null; inserted: boolean }>((runs) =>
    this.insertAllForAgents(runs),
  );
  private readonly ends = new TickBatcher<RunEndOf>((ends) =>
    this.finishAll(ends).then(() => ends.map(() => undefined)),
  );

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Reads the owner's agent and stores the run of it (on the agent's model), in one round trip: `agent`
   * null when the user has no such agent (nothing stored), `inserted` false when a run with this id
   * exists already. The runs started in the same turn of the event loop are stored by one statement.
   */
  insertForAgent(run: NewRun): Promise<{ agent: Agent | null; inserted: boolean }> {
    // An id that is no UUID names no agent, and must not fail the statement the others share.
    const ids = [run.id, run.agentId, ...(run.continuesRunId === null ? [] : [run.continuesRunId])];
    if (!ids.every((id) => Uuid.safeParse(id).success))
      return Promise.resolve({ agent: null, inserted: false });
    return this.starts.add(run);
  }

  private insertAllForAgents(runs: readonly NewRun[]): Promise<{ agent: Agent | null; inserted: boolean }[]> {
    // Two starts of one run id in one statement would both see it inserted: the later ones wait for
    // the next statement, and find it there.
    return inStatementsOfDistinctIds(
      runs,
      (run) => run.id,
      (batch) => this.insertDistinct(batch),
    );
  }

  /** `insertForAgent` for runs of distinct ids, in one statement (one JSON document, a row each). */
  private async insertDistinct(
    runs: readonly NewRun[],
  ): Promise<{ agent: Agent | null; inserted: boolean }[]> {
    const started = runs.map((run) => ({
      id: run.id,
      user_id: run.userId,
      agent_id: run.agentId,
      trigger: run.trigger,
      input: run.input,
      transcript: run.transcript,
      continues_run_id: run.continuesRunId,
    }));
    // The start's row is committed without waiting for its WAL to reach the disk (synchronous_commit
    // off for this statement only): the acknowledgement waits on this statement, and a crash of
    // Postgres that loses the row (within the WAL writer's delay) loses nothing else, because the run's
    // end stores the whole run again (see finishAll).
    const { rows } = await this.pool.query<AgentRow & { run_id: string; inserted: boolean }>(
      `WITH unflushed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting),
       started AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, user_id text, agent_id uuid, trigger text,
           input text, transcript jsonb, continues_run_id uuid)
       ), agent AS (
         SELECT started.id AS run_id, found.*
         FROM started
         JOIN LATERAL (
           SELECT ${AGENT_COLUMNS} FROM agents WHERE agents.user_id = started.user_id AND agents.id = started.agent_id
         ) AS found ON true
       ), inserted AS (
         INSERT INTO runs (id, user_id, agent_id, model, trigger, status, input, transcript, usage, timings,
           continues_run_id)
         SELECT started.id, started.user_id, agent.id, agent.model, started.trigger, 'running', started.input,
           started.transcript, $2::jsonb, $3::jsonb, started.continues_run_id
         FROM started JOIN agent ON agent.run_id = started.id CROSS JOIN unflushed
         ON CONFLICT (id) DO NOTHING
         RETURNING id
       )
       SELECT agent.*, EXISTS (SELECT 1 FROM inserted WHERE inserted.id = agent.run_id) AS inserted FROM agent`,
      [
        JSON.stringify(started),
        JSON.stringify(NO_USAGE),
        JSON.stringify({ totalMs: 0, modelMs: 0, toolsMs: 0 }),
      ],
    );
    const byRun = new Map(rows.map((row) => [row.run_id, row]));
    return runs.map((run) => {
      const row = byRun.get(run.id);
      return row ? { agent: toStored(row).agent, inserted: row.inserted } : { agent: null, inserted: false };
    });
  }

  /** Removes a run that never started (its model turned out not to be callable here). */
  async delete(userId: string, runId: string): Promise<void> {
    await this.pool.query(`DELETE FROM runs WHERE user_id = $1 AND id = $2`, [userId, runId]);
  }

  /**
   * Stores a running run's progress. Committed without waiting for the WAL flush, like its start: the
   * run's end stores all of it again, durably.
   */
  async saveProgress(userId: string, runId: string, progress: RunProgress): Promise<void> {
    await this.pool.query(
      `WITH unflushed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)
       UPDATE runs SET transcript = $3, answer = $4, steps = $5, tool_calls = $6, usage = $7, cost_usd = $8,
         timings = $9
       FROM unflushed WHERE user_id = $1 AND id = $2`,
      [userId, runId, ...progressValues(progress)],
    );
  }

  /**
   * Stores how a run ended, with all of the run (as it was started) so that the run is whole even if
   * its start's row was lost; only while its agent is still its owner's. The ends of runs that finish
   * in the same turn of the event loop are written by one statement (a burst of runs costs one round
   * trip), each row still scoped to its owner.
   */
  finish(run: StoredRunStart, end: RunEnd): Promise<void> {
    return this.ends.add({ run, end });
  }

  private async finishAll(ends: readonly RunEndOf[]): Promise<void> {
    // The same id twice in one upsert fails the statement: later ones wait for the next statement.
    await inStatementsOfDistinctIds(
      ends,
      ({ run }) => run.id,
      (batch) => this.finishDistinct(batch),
    );
  }

  private async finishDistinct(ends: readonly RunEndOf[]): Promise<void[]> {
    // One JSON document for the batch: the transcripts are encoded once, inside it, not each again as
    // a string parameter.
    const rows = ends.map(({ run, end }) => ({
      id: run.id,
      user_id: run.userId,
      agent_id: run.agentId,
      model: run.model,
      trigger: run.trigger,
      input: run.input,
      continues_run_id: run.continuesRunId,
      transcript: end.transcript,
      answer: end.answer,
      steps: end.steps,
      tool_calls: end.toolCalls,
      usage: end.usage,
      cost_usd: end.costUsd,
      timings: end.timings,
      status: end.status,
      stop_reason: end.stopReason,
      error: end.error,
    }));
    await this.pool.query(
      `INSERT INTO runs (id, user_id, agent_id, model, trigger, input, continues_run_id, transcript, answer,
         steps, tool_calls, usage, cost_usd, timings, status, stop_reason, error, finished_at)
       SELECT ended.id, ended.user_id, ended.agent_id, ended.model, ended.trigger, ended.input,
         ended.continues_run_id, ended.transcript, ended.answer, ended.steps, ended.tool_calls, ended.usage,
         ended.cost_usd, ended.timings, ended.status, ended.stop_reason, ended.error, now()
       FROM jsonb_to_recordset($1::jsonb) AS ended(id uuid, user_id text, agent_id uuid, model text,
         trigger text, input text, continues_run_id uuid, transcript jsonb, answer text, steps integer,
         tool_calls integer, usage jsonb, cost_usd double precision, timings jsonb, status text,
         stop_reason text, error jsonb)
       JOIN agents ON agents.id = ended.agent_id AND agents.user_id = ended.user_id
       ON CONFLICT (id) DO UPDATE SET transcript = excluded.transcript, answer = excluded.answer,
         steps = excluded.steps, tool_calls = excluded.tool_calls, usage = excluded.usage,
         cost_usd = excluded.cost_usd, timings = excluded.timings, status = excluded.status,
         stop_reason = excluded.stop_reason, error = excluded.error, finished_at = excluded.finished_at
       WHERE runs.user_id = excluded.user_id`,
      [JSON.stringify(rows)],
    );
    return ends.map(() => undefined);
  }

  /**
   * Ends, as failed with `error`, every run still `running` that started before `startedBefore`: the
   * replica running it is gone. Returns their ids.
   */
  async failAbandoned(startedBefore: Date, error: ErrorBody): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE runs SET status = 'failed', stop_reason = 'failed', error = $2, finished_at = now()
        WHERE status = 'running' AND created_at < $1
        RETURNING id`,
      [startedBefore, JSON.stringify(error)],
    );
    return rows.map((row) => row.id);
  }

  async find(userId: string, agentId: string, runId: string): Promise<AgentRun | null> {
    const { rows } = await this.pool.query<RunRow>(
      `SELECT ${SUMMARY}, transcript FROM runs WHERE user_id = $1 AND agent_id = $2 AND id = $3`,
      [userId, agentId, runId],
    );
    const row = rows[0];
    return row ? { ...toSummary(row), transcript: row.transcript ?? [] } : null;
  }

  /** Newest first, after the row with sequence number `beforeSeq` when given. */
  async page(
    userId: string,
    agentId: string,
    limit: number,
    beforeSeq: string | null,
  ): Promise<{ run: AgentRunSummary; seq: string }[]> {
    const { rows } = await this.pool.query<RunRow>(
      `SELECT ${SUMMARY} FROM runs
        WHERE user_id = $1 AND agent_id = $2 AND ($3::bigint IS NULL OR seq < $3::bigint)
        ORDER BY seq DESC LIMIT $4`,
      [userId, agentId, beforeSeq, limit],
    );
    return rows.map((row) => ({ run: toSummary(row), seq: row.seq }));
  }
}

/**
 * Writes `items` by `write`, which takes items of distinct ids (`idOf`) only, one statement each: the first of
 * each id now, the repeats in the statements after. Answers one result per item, in order.
 */
async function inStatementsOfDistinctIds<T, R>(
  items: readonly T[],
  idOf: (item: T) => string,
  write: (batch: readonly T[]) => Promise<readonly R[]>,
): Promise<R[]> {
  const seen = new Set<string>();
  const first = items.filter((item) => !seen.has(idOf(item)) && seen.add(idOf(item)));
  const firstResults = await write(first);
  const later = items.filter((item) => !first.includes(item));
  const laterResults = later.length > 0 ? await inStatementsOfDistinctIds(later, idOf, write) : [];
  return items.map((item) => {
    const at = first.indexOf(item);
    return at >= 0 ? firstResults[at]! : laterResults[later.indexOf(item)]!;
  });
}

function progressValues(progress: RunProgress): unknown[] {
  return [
    JSON.stringify(progress.transcript),
    progress.answer,
    progress.steps,
    progress.toolCalls,
    JSON.stringify(progress.usage),
    progress.costUsd,
    JSON.stringify(progress.timings),
  ];
}

function toSummary(row: RunRow): AgentRunSummary {
  return {
    id: row.id,
    agentId: row.agent_id,
    model: row.model,
    trigger: row.trigger,
    status: row.status,
    stopReason: row.stop_reason,
    input: row.input,
    answer: row.answer,
    steps: row.steps,
    toolCalls: row.tool_calls,
    usage: row.usage,
    costUsd: row.cost_usd,
    error: row.error,
    continuesRunId: row.continues_run_id,
    timings: row.timings,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
