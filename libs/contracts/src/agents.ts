import { z } from 'zod';
import { ModelIdSchema } from './chat';
import { defineRequest, defineStream, isTextDeltaEvent, SeqSchema, streamErrorEvent } from './definitions';
import { ErrorBodySchema, ErrorCode } from './errors';
import { AgentStepEventSchemas, RunUsageSchema, TranscriptToolResultSchema } from './agent-steps';

/**
 * The agents service: agent definitions (instructions, model, the tools they may call, limits per run)
 * and their runs. Every request is answered for the envelope's user only.
 */

/** The text model that needs no provider: deterministic, says it is offline, calls a tool only when told to. */
export const OFFLINE_AGENT_MODEL = 'offline/echo-tools';
export const DEFAULT_AGENT_PAGE_SIZE = 20;
export const MAX_AGENT_PAGE_SIZE = 100;
export const MAX_AGENT_NAME_CHARS = 100;
export const MAX_AGENT_DESCRIPTION_CHARS = 1_000;
export const MAX_AGENT_INSTRUCTIONS_CHARS = 20_000;
/** Most tool names, MCP servers and connectors one agent may list (each). */
export const MAX_AGENT_ALLOWED_ITEMS = 64;

/**
 * What one run may spend before it is stopped with a reason: the default when an agent sets none, and the
 * largest value an agent may set.
 */
export const AGENT_LIMIT_BOUNDS = {
  /** Model calls (steps) per run. */
  maxSteps: { min: 1, default: 10, max: 50 },
  /** Tool calls per run, over all steps. */
  maxToolCalls: { min: 0, default: 25, max: 200 },
  /** Wall-clock time of a run, milliseconds. */
  wallTimeMs: { min: 1_000, default: 120_000, max: 900_000 },
  /** Input plus output tokens over all the run's model calls. */
  maxTokens: { min: 100, default: 100_000, max: 2_000_000 },
} as const;

const limit = (bounds: { min: number; max: number }) => z.number().int().min(bounds.min).max(bounds.max);

export const AgentLimitsSchema = z.strictObject({
  maxSteps: limit(AGENT_LIMIT_BOUNDS.maxSteps),
  maxToolCalls: limit(AGENT_LIMIT_BOUNDS.maxToolCalls),
  wallTimeMs: limit(AGENT_LIMIT_BOUNDS.wallTimeMs),
  maxTokens: limit(AGENT_LIMIT_BOUNDS.maxTokens),
});
export type AgentLimits = z.infer<typeof AgentLimitsSchema>;

export const DEFAULT_AGENT_LIMITS: AgentLimits = {
  maxSteps: AGENT_LIMIT_BOUNDS.maxSteps.default,
  maxToolCalls: AGENT_LIMIT_BOUNDS.maxToolCalls.default,
  wallTimeMs: AGENT_LIMIT_BOUNDS.wallTimeMs.default,
  maxTokens: AGENT_LIMIT_BOUNDS.maxTokens.default,
};

/** A tool's name as the providers take it. */
export const AgentToolNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -');

/** An MCP server's or a connector's id. */
const AllowedIdSchema = z.string().min(1).max(128);

const uniqueList = <T extends z.ZodType<string>>(item: T) =>
  z
    .array(item)
    .max(MAX_AGENT_ALLOWED_ITEMS)
    .refine((items) => new Set(items).size === items.length, { message: 'must not repeat an item' });

const AgentNameSchema = z
  .string()
  .max(MAX_AGENT_NAME_CHARS)
  .refine((s) => s.trim().length > 0, { message: 'must not be empty or blank' });

export const CreateAgentSchema = z.strictObject({
  name: AgentNameSchema,
  description: z.string().max(MAX_AGENT_DESCRIPTION_CHARS).default(''),
  /** The system prompt of every run. */
  instructions: z.string().max(MAX_AGENT_INSTRUCTIONS_CHARS).default(''),
  model: ModelIdSchema.default(OFFLINE_AGENT_MODEL),
  /** Built-in tool names (see the README's tool list). */
  tools: uniqueList(AgentToolNameSchema).default([]),
  /** Ids of the caller's MCP servers whose tools the agent may call. */
  mcpServers: uniqueList(AllowedIdSchema).default([]),
  /** Ids of the caller's connected accounts whose tools the agent may call. */
  connectors: uniqueList(AllowedIdSchema).default([]),
  /** Any left out take their default. */
  limits: AgentLimitsSchema.partial().default({}),
});
export type CreateAgent = z.output<typeof CreateAgentSchema>;

export const UpdateAgentSchema = z
  .strictObject({
    name: AgentNameSchema.optional(),
    description: z.string().max(MAX_AGENT_DESCRIPTION_CHARS).optional(),
    instructions: z.string().max(MAX_AGENT_INSTRUCTIONS_CHARS).optional(),
    model: ModelIdSchema.optional(),
    tools: uniqueList(AgentToolNameSchema).optional(),
    mcpServers: uniqueList(AllowedIdSchema).optional(),
    connectors: uniqueList(AllowedIdSchema).optional(),
    /** Merged into the current limits: the ones left out stay as they are. */
    limits: AgentLimitsSchema.partial().optional(),
  })
  .refine((update) => Object.values(update).some((value) => value !== undefined), {
    message: 'give at least one field to change',
  });
export type UpdateAgent = z.output<typeof UpdateAgentSchema>;

export const AgentSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  instructions: z.string(),
  model: z.string(),
  tools: z.array(z.string()),
  mcpServers: z.array(z.string()),
  connectors: z.array(z.string()),
  limits: AgentLimitsSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Agent = z.infer<typeof AgentSchema>;

export const AgentRefSchema = z.strictObject({ agentId: z.uuid() });

export const ListAgentsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_AGENT_PAGE_SIZE).default(DEFAULT_AGENT_PAGE_SIZE),
  /** From `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type ListAgentsQuery = z.output<typeof ListAgentsQuerySchema>;

export const AgentPageSchema = z.object({
  /** Newest first. */
  data: z.array(AgentSchema),
  nextCursor: z.string().nullable(),
});
export type AgentPage = z.infer<typeof AgentPageSchema>;

export const MAX_RUN_INPUT_CHARS = 32_000;
export const DEFAULT_RUN_PAGE_SIZE = 20;
export const MAX_RUN_PAGE_SIZE = 100;

/** How a run was started: by its owner through the API, by a schedule, or by a message in a chat session linked to the agent. */
export const RunTriggerSchema = z.enum(['api', 'schedule', 'chat']);
export type RunTrigger = z.infer<typeof RunTriggerSchema>;

export const RunStatusSchema = z.enum(['running', 'succeeded', 'limited', 'cancelled', 'failed']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/**
 * Why a run ended: `completed` (the model gave its final answer), one of the limits (`max_steps`,
 * `max_tool_calls`, `wall_time`, `max_tokens`), `cancelled` (by its owner, or the service shutting down),
 * or `failed` (the provider or the service failed; the `error` event says how).
 */
export const RunStopReasonSchema = z.enum([
  'completed',
  'max_steps',
  'max_tool_calls',
  'wall_time',
  'max_tokens',
  'cancelled',
  'failed',
]);
export type RunStopReason = z.infer<typeof RunStopReasonSchema>;

/** One tool call the model asked for; `arguments` is the JSON text exactly as the model wrote it. */
export const TranscriptToolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.string(),
});
export type TranscriptToolCall = z.infer<typeof TranscriptToolCallSchema>;

export type TranscriptToolResult = z.infer<typeof TranscriptToolResultSchema>;

/**
 * A run's conversation, in no provider's format: each provider's adapter turns it into its own messages
 * (OpenAI `tool_calls` and `tool` messages, Anthropic `tool_use` and `tool_result` blocks), so a run
 * continued on another provider replays it faithfully.
 */
export const TranscriptMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), text: z.string() }),
  z.object({ role: z.literal('assistant'), text: z.string(), toolCalls: z.array(TranscriptToolCallSchema) }),
  z.object({ role: z.literal('tool'), results: z.array(TranscriptToolResultSchema) }),
]);
export type TranscriptMessage = z.infer<typeof TranscriptMessageSchema>;

const RunFields = {
  id: z.uuid(),
  agentId: z.uuid(),
  model: z.string(),
  trigger: RunTriggerSchema,
  status: RunStatusSchema,
  /** null while running. */
  stopReason: RunStopReasonSchema.nullable(),
  input: z.string(),
  /** The model's last text; the final answer once `completed`. */
  answer: z.string(),
  steps: z.number().int().nonnegative(),
  toolCalls: z.number().int().nonnegative(),
  usage: RunUsageSchema,
  costUsd: z.number().nonnegative(),
  /** Why it failed; null unless `status` is `failed`. */
  error: ErrorBodySchema.nullable(),
  /** The run this one continues, whose transcript it was given first. */
  continuesRunId: z.uuid().nullable(),
  /**
   * Where the run's time went, milliseconds: in total, waiting for the model, running tools (wall
   * clock, parallel calls counted once); the rest is the service's own.
   */
  timings: z.object({
    totalMs: z.number().nonnegative(),
    modelMs: z.number().nonnegative(),
    toolsMs: z.number().nonnegative(),
  }),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
};

export const AgentRunSummarySchema = z.object(RunFields);
export type AgentRunSummary = z.infer<typeof AgentRunSummarySchema>;

/** A run with everything that was said: the user's input, each step's text and tool calls, each result. */
export const AgentRunSchema = AgentRunSummarySchema.extend({
  transcript: z.array(TranscriptMessageSchema),
});
export type AgentRun = z.infer<typeof AgentRunSchema>;

export const RunInputSchema = z
  .string()
  .max(MAX_RUN_INPUT_CHARS)
  .refine((s) => s.trim().length > 0, { message: 'must not be empty or blank' });

/** What a client sends to run an agent. */
export const StartRunBodySchema = z.strictObject({
  input: RunInputSchema,
  /** A finished run of the same agent to continue: its transcript comes first. */
  continueRunId: z.uuid().optional(),
});
export type StartRunBody = z.infer<typeof StartRunBodySchema>;

export const StartRunRequestSchema = StartRunBodySchema.extend({
  /** Becomes the run's id. */
  streamId: z.uuid(),
  agentId: z.uuid(),
});

export const StartRunAckSchema = z.object({
  streamId: z.uuid(),
  runId: z.uuid(),
  agentId: z.uuid(),
  model: z.string(),
});

export const RunRefSchema = z.strictObject({ agentId: z.uuid(), runId: z.uuid() });

export const ListRunsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_RUN_PAGE_SIZE).default(DEFAULT_RUN_PAGE_SIZE),
  cursor: z.string().min(1).max(200).optional(),
});

export const RunPageSchema = z.object({
  /** Newest first, without transcripts. */
  data: z.array(AgentRunSummarySchema),
  nextCursor: z.string().nullable(),
});
export type RunPage = z.infer<typeof RunPageSchema>;

/**
 * A run, live: `run.started`, then per step `step.started`, the model's text as `delta`s, a `tool.call`
 * per call it asks for, a `tool.result` per call, `step.finished`; then exactly one `done` (any stop
 * reason but `failed`) or `error`.
 */
export const RunStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ seq: SeqSchema, type: z.literal('delta'), text: z.string() }),
  z.object({
    seq: SeqSchema,
    type: z.literal('run.started'),
    runId: z.uuid(),
    agentId: z.uuid(),
    model: z.string(),
  }),
  ...AgentStepEventSchemas,
  z.object({
    seq: SeqSchema,
    type: z.literal('done'),
    runId: z.uuid(),
    status: RunStatusSchema.exclude(['running', 'failed']),
    stopReason: RunStopReasonSchema.exclude(['failed']),
    answer: z.string(),
    steps: z.number().int().nonnegative(),
    toolCalls: z.number().int().nonnegative(),
    usage: RunUsageSchema,
    costUsd: z.number().nonnegative(),
    model: z.string(),
  }),
  streamErrorEvent,
]);
export type RunStreamEvent = z.infer<typeof RunStreamEventSchema>;

const runErrors = [ErrorCode.NotFound] as const;

/** What starting a run may answer: no such agent of the caller's, a run id taken, a model not callable here, a budget spent. */
export const RUN_START_ERRORS = [
  ErrorCode.NotFound,
  ErrorCode.Conflict,
  ErrorCode.UnknownModel,
  ErrorCode.ModelUnavailable,
  ErrorCode.BudgetExceeded,
] as const;

const agentErrors = [ErrorCode.NotFound] as const;

export const AgentsContract = {
  checkHealth: defineRequest({
    subject: 'agents.health.check',
    request: z.object({}).strict(),
    response: z.object({ service: z.literal('agents'), status: z.literal('ok') }),
  }),
  createAgent: defineRequest({
    subject: 'agents.agent.create',
    request: CreateAgentSchema,
    response: AgentSchema,
    errors: [ErrorCode.UnknownModel],
  }),
  listAgents: defineRequest({
    subject: 'agents.agent.list',
    request: ListAgentsQuerySchema,
    response: AgentPageSchema,
  }),
  getAgent: defineRequest({
    subject: 'agents.agent.get',
    request: AgentRefSchema,
    response: AgentSchema,
    errors: agentErrors,
  }),
  updateAgent: defineRequest({
    subject: 'agents.agent.update',
    request: z.strictObject({ agentId: z.uuid(), update: UpdateAgentSchema }),
    response: AgentSchema,
    errors: [ErrorCode.NotFound, ErrorCode.UnknownModel],
  }),
  /** Deletes the agent and everything stored of its runs. */
  deleteAgent: defineRequest({
    subject: 'agents.agent.delete',
    request: AgentRefSchema,
    response: z.object({ agentId: z.uuid(), deleted: z.literal(true) }),
    errors: agentErrors,
  }),
  /**
   * Starts a run of one of the caller's agents; its events stream on `runStream` under the request's
   * `streamId`, which is also the run's id.
   */
  startRun: defineRequest({
    subject: 'agents.run.start',
    request: StartRunRequestSchema,
    response: StartRunAckSchema,
    errors: RUN_START_ERRORS,
  }),
  getRun: defineRequest({
    subject: 'agents.run.get',
    request: RunRefSchema,
    response: AgentRunSchema,
    errors: runErrors,
  }),
  listRuns: defineRequest({
    subject: 'agents.run.list',
    request: ListRunsQuerySchema.extend({ agentId: z.uuid() }),
    response: RunPageSchema,
    errors: runErrors,
  }),
  runStream: defineStream({
    name: 'agents.run',
    event: RunStreamEventSchema,
    retention: { stream: 'AGENTS_RUNS' },
    isFrequentEvent: isTextDeltaEvent,
    outputTokensOf: (event) =>
      event.type === 'done' && event.usage.outputTokens > 0
        ? { count: event.usage.outputTokens, model: event.model }
        : null,
  }),
} as const;
