import { z } from 'zod';
import { SeqSchema } from './definitions';

/**
 * The steps of an agent as they stream: shared by an agent run's own stream and by the answer of a chat
 * session linked to an agent, which relays them.
 */

export const RunUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  /** true when a provider reported no usage for some call and its counts are estimates. */
  estimated: z.boolean(),
});
export type RunUsage = z.infer<typeof RunUsageSchema>;

export const ToolErrorSchema = z.object({ code: z.string(), message: z.string() });

/** A tool's answer to one call, as the transcript keeps it and the `tool.result` event says it. */
export const TranscriptToolResultSchema = z.object({
  callId: z.string(),
  name: z.string(),
  ok: z.boolean(),
  /** The tool's answer when `ok`. */
  output: z.unknown().optional(),
  /** Why it failed when not `ok`: bad arguments, an unknown tool, the tool's own failure. */
  error: ToolErrorSchema.optional(),
  durationMs: z.number().nonnegative(),
});

const step = z.number().int().positive();

/** A tool call's arguments as `tool.call` events carry them: parsed, or the raw text when it is not JSON. */
export function parsedToolArguments(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

/** Per step: `step.started`, a `tool.call` per call the model asks for, a `tool.result` each, `step.finished`. */
export const AgentStepEventSchemas = [
  z.object({ seq: SeqSchema, type: z.literal('step.started'), step }),
  z.object({
    seq: SeqSchema,
    type: z.literal('tool.call'),
    step,
    callId: z.string(),
    name: z.string(),
    /** The parsed arguments; the raw text when the model wrote invalid JSON. */
    arguments: z.unknown(),
  }),
  TranscriptToolResultSchema.extend({ seq: SeqSchema, type: z.literal('tool.result'), step }),
  z.object({
    seq: SeqSchema,
    type: z.literal('step.finished'),
    step,
    /** `tool_calls` when tools were called (another step follows unless a limit is reached), else `stop`. */
    finishReason: z.enum(['stop', 'tool_calls', 'length', 'content_filter']),
    usage: RunUsageSchema,
  }),
] as const;

/** The step event types, for telling them apart from a stream's own events. */
export const AGENT_STEP_EVENT_TYPES: ReadonlySet<string> = new Set(
  AgentStepEventSchemas.map((schema) => schema.shape.type.value),
);
