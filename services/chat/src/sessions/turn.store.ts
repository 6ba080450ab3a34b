import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { ChatRole, MessageStatus, PromptContext } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';

/** What a turn needs of its session: the settings, and the one branch it continues. */
export interface TurnContext {
  session: {
    id: string;
    userId: string;
    title: string;
    model: string;
    systemPrompt: string | null;
    activeLeafId: string | null;
    /** Stored memory settings, as `memorySettingsOf` reads them. */
    memory: unknown;
    /** The agent that answers the session's messages; null for plain chat. */
    agentId: string | null;
  };
  /** Root first, ending at the message the branch was read up to. */
  branch: BranchMessage[];
}

export interface BranchMessage {
  id: string;
  parentId: string | null;
  role: ChatRole;
  content: string;
  status: MessageStatus;
}

export interface NewTurn {
  userId: string;
  sessionId: string;
  model: string;
  streamId: string;
  userMessage: { parentId: string | null; content: string } | null;
  answerTo: string | null;
  /** How long the new answer's first lease lasts. */
  leaseMs: number;
  /** What of the history the answer's model is given. */
  promptContext: PromptContext;
}

export interface StoredTurn {
  userMessageId: string | null;
  assistantMessageId: string;
  createdAt: Date;
}

/** Longest branch read; far beyond any context window in the catalog. */
const MAX_BRANCH_DEPTH = 2_000;

// The session (owned by the user) and the branch ending at $3, or at the active leaf, in one round trip.
const LOAD_TURN_CONTEXT = `
WITH RECURSIVE owned AS (
  SELECT id, user_id, title, model, system_prompt, active_leaf_id, memory, agent_id
  FROM chat_sessions WHERE id = $1 AND user_id = $2
), branch AS (
  SELECT m.id, m.parent_id, m.role, m.content, m.status, 0 AS depth
  FROM chat_messages m JOIN owned o ON m.session_id = o.id
  WHERE m.id = COALESCE($3::uuid, o.active_leaf_id)
  UNION ALL
  SELECT m.id, m.parent_id, m.role, m.content, m.status, b.depth + 1
  FROM chat_messages m JOIN branch b ON m.id = b.parent_id
  WHERE m.session_id = $1 AND b.depth < ${MAX_BRANCH_DEPTH}
)
SELECT o.*, COALESCE((
  SELECT json_agg(json_build_object('id', id, 'parentId', parent_id, 'role', role, 'content', content, 'status', status)
                  ORDER BY depth DESC)
  FROM branch), '[]'::json) AS branch
FROM owned o`;

// Both messages and the session's new active leaf, atomically, in one round trip. The streaming answer
// starts with its lease ($13 ms, database time), which the generating replica then renews, and says
// what of the history its model is given ($14).
const INSERT_TURN = `
WITH inserted AS (
  INSERT INTO chat_messages (id, session_id, parent_id, user_id, role, content, status, model, stream_id,
                             created_at, updated_at, lease_expires_at, prompt_context)
  SELECT t.*, t.created_at,
         CASE WHEN t.status = 'streaming' THEN now() + $13 * interval '1 millisecond' END,
         CASE WHEN t.status = 'streaming' THEN $14::jsonb END
  FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::"MessageRole"[], $6::text[],
              $7::"MessageStatus"[], $8::text[], $9::uuid[], $10::timestamptz[])
       AS t(id, session_id, parent_id, user_id, role, content, status, model, stream_id, created_at)
  RETURNING id
)
UPDATE chat_sessions SET active_leaf_id = $11, updated_at = $12 WHERE id = $2[1] AND (SELECT count(*) FROM inserted) > 0`;

/**
 * The two queries before every answer's first token, in plain SQL: the ORM spends milliseconds of CPU
 * per query, which this path pays on every message and multiplies under load.
 */
@Injectable()
export class TurnStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Null when the session does not exist or belongs to someone else. */
  async load(userId: string, sessionId: string, branchEnd: string | null): Promise<TurnContext | null> {
    const { rows } = await this.pool.query(LOAD_TURN_CONTEXT, [sessionId, userId, branchEnd]);
    const row = rows[0] as
      | {
          id: string;
          user_id: string;
          title: string;
          model: string;
          system_prompt: string | null;
          active_leaf_id: string | null;
          memory: unknown;
          agent_id: string | null;
          branch: BranchMessage[];
        }
      | undefined;
    if (!row) return null;
    return {
      session: {
        id: row.id,
        userId: row.user_id,
        title: row.title,
        model: row.model,
        systemPrompt: row.system_prompt,
        activeLeafId: row.active_leaf_id,
        memory: row.memory,
        agentId: row.agent_id,
      },
      branch: row.branch,
    };
  }

  /** Stores the user's message (unless an existing one is answered again) and an empty streaming answer. */
  async insert(turn: NewTurn): Promise<StoredTurn> {
    const now = Date.now();
    const userMessageId = turn.userMessage ? randomUUID() : null;
    const assistantMessageId = randomUUID();
    const rows = [
      ...(turn.userMessage
        ? [
            [
              userMessageId,
              turn.userMessage.parentId,
              'user',
              turn.userMessage.content,
              'complete',
              null,
              null,
              new Date(now),
            ],
          ]
        : []),
      [
        assistantMessageId,
        userMessageId ?? turn.answerTo,
        'assistant',
        '',
        'streaming',
        turn.model,
        turn.streamId,
        new Date(now + 1),
      ],
    ];
    const column = (index: number) => rows.map((row) => row[index]);
    await this.pool.query(INSERT_TURN, [
      column(0),
      rows.map(() => turn.sessionId),
      column(1),
      rows.map(() => turn.userId),
      column(2),
      column(3),
      column(4),
      column(5),
      column(6),
      column(7),
      assistantMessageId,
      new Date(now + 1),
      turn.leaseMs,
      JSON.stringify(turn.promptContext),
    ]);
    return { userMessageId, assistantMessageId, createdAt: new Date(now) };
  }
}
