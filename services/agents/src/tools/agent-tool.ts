import type { z } from 'zod';

/** Who a tool call runs for, and the signal that ends it (run cancelled, its time limit reached). */
export interface ToolContext {
  readonly userId: string;
  readonly agentId: string;
  readonly runId: string;
  /** The call's own id from the model (OpenAI `tool_call.id`, Anthropic `tool_use.id`). */
  readonly callId: string;
  readonly signal: AbortSignal;
}

/**
 * What a tool hands back to the model. `ok: false` is an answer, not a crash: the model reads the message
 * and may try again or change course (invalid arguments, a service that timed out, a refused address).
 */
export type ToolOutput =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/**
 * One tool an agent may call. Its zod input schema is the single source of truth: it is turned into the
 * JSON schema the model sees and it parses the model's arguments before `run` is called.
 */
export interface AgentTool<Input = unknown> {
  /** Unique within a run, `^[a-zA-Z0-9_-]{1,64}$` (the providers' limit on tool names). */
  readonly name: string;
  /** What the model reads to decide when to call it. */
  readonly description: string;
  readonly input: z.ZodType<Input>;
  run(input: Input, context: ToolContext): Promise<ToolOutput>;
}

/** Where tools come from: the built-in ones, a user's MCP servers, a user's connected accounts. */
export interface ToolSource {
  /** The tools this source offers to `userId`'s run of an agent allowed `allowed` (names or server ids). */
  toolsFor(userId: string, allowed: AllowedTools, signal: AbortSignal): Promise<readonly AgentTool[]>;
}

/** What an agent definition allows: built-in tool names, MCP server ids, connector ids. */
export interface AllowedTools {
  readonly tools: readonly string[];
  readonly mcpServers: readonly string[];
  readonly connectors: readonly string[];
}
