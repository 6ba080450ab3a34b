import { z } from 'zod';
import { TranscriptToolResultSchema } from './agent-steps';
import { TranscriptToolCallSchema } from './agents';
import { defineRequest } from './definitions';
import { ErrorCode } from './errors';

/**
 * An agent's tools for a model the agents service does not call itself (a realtime voice model that
 * holds the conversation): the caller asks for the tools' definitions, declares them to its model, and
 * has each call the model makes run here, with the same tools, checks, time limit and metering as in
 * the agent's own runs. Only the envelope's user's agents: another's is NOT_FOUND.
 */

/** A tool as a model is shown it: its name, what it is for, its input as JSON schema. */
export const AgentToolSpecSchema = z.object({
  name: z.string(),
  description: z.string(),
  parameters: z.record(z.string(), z.unknown()),
});
export type AgentToolSpec = z.infer<typeof AgentToolSpecSchema>;

export const AgentToolsSchema = z.object({
  /** The agent's instructions: the system prompt its tools are meant to be used under. */
  instructions: z.string(),
  tools: z.array(AgentToolSpecSchema),
});
export type AgentTools = z.infer<typeof AgentToolsSchema>;

export const RunAgentToolCallRequestSchema = z.strictObject({
  agentId: z.uuid(),
  /** The call as the model made it; `arguments` is its JSON text (invalid JSON is answered, not refused). */
  call: TranscriptToolCallSchema.extend({
    id: z.string().min(1).max(200),
    name: z.string().min(1).max(200),
    arguments: z.string().max(100_000),
  }),
  /** What the call's usage records refer to (the voice session and turn). */
  reference: z.string().min(1).max(200),
});
export type RunAgentToolCallRequest = z.infer<typeof RunAgentToolCallRequestSchema>;

export const AgentsToolsContract = {
  listTools: defineRequest({
    subject: 'agents.agent-tools.list',
    request: z.strictObject({ agentId: z.uuid() }),
    response: AgentToolsSchema,
    errors: [ErrorCode.NotFound],
  }),
  /**
   * Runs one call: an unknown tool, arguments that are not JSON or do not fit, a tool that fails or
   * passes AGENTS_TOOL_TIMEOUT_MS are answered as an `ok: false` result, never as an error.
   */
  runToolCall: defineRequest({
    subject: 'agents.agent-tools.run',
    request: RunAgentToolCallRequestSchema,
    response: TranscriptToolResultSchema,
    errors: [ErrorCode.NotFound],
  }),
} as const;
