import { z } from 'zod';
import { ModelIdSchema } from './chat';
import { defineRequest } from './definitions';
import { ErrorCode } from './errors';

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
} as const;
