import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode as McpErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AgentTool, ToolContext, ToolOutput } from '../tools/agent-tool';
import { toolFailure } from '../tools/tool-failures';
import { McpUnavailableError } from './mcp-connector';

/** A tool as a server lists it. */
export interface McpToolListing {
  readonly name: string;
  readonly description?: string | undefined;
  readonly inputSchema: Record<string, unknown>;
}

/** Options every request of one exchange carries: its deadline. */
export interface McpRequestOptions {
  readonly signal: AbortSignal;
  readonly timeout: number;
}

/**
 * A server, however it is reached (a user's over streamable HTTP, an operator's over stdio): runs one
 * exchange with it under one deadline, or throws McpUnavailableError saying why it could not.
 */
export interface McpServerHandle {
  readonly label: string;
  /** Changes when the server's configuration does: its tool list is cached under it. */
  readonly cacheKey: string;
  /** `timeoutMs`: a shorter deadline than the configured one. */
  exchange<T>(
    signal: AbortSignal,
    use: (client: Client, options: McpRequestOptions) => Promise<T>,
    timeoutMs?: number,
  ): Promise<T>;
}

export interface McpCallLimits {
  readonly maxResultChars: number;
}

/**
 * The zod schema an MCP tool's JSON schema becomes: zod's own converter, so the model sees the server's
 * schema back and arguments are checked before they travel; a schema it cannot convert passes any
 * object through, and the server validates.
 */
export function inputSchemaOf(jsonSchema: Record<string, unknown>): z.ZodType<Record<string, unknown>> {
  try {
    return z.fromJSONSchema({ type: 'object', ...jsonSchema }) as z.ZodType<Record<string, unknown>>;
  } catch {
    return z.record(z.string(), z.unknown());
  }
}

/** One tool of an MCP server as an agent tool: listed under its prefixed name, called on its server. */
export class McpServerTool implements AgentTool<Record<string, unknown>> {
  readonly input: z.ZodType<Record<string, unknown>>;
  readonly description: string;

  constructor(
    readonly name: string,
    private readonly listing: McpToolListing,
    private readonly server: McpServerHandle,
    private readonly limits: McpCallLimits,
  ) {
    this.input = inputSchemaOf(listing.inputSchema);
    this.description = (listing.description ?? `The ${listing.name} tool of ${server.label}`).slice(0, 2_000);
  }

  async run(input: Record<string, unknown>, context: ToolContext): Promise<ToolOutput> {
    try {
      return await this.server.exchange(context.signal, (client, options) =>
        this.call(client, input, options),
      );
    } catch (error) {
      if (error instanceof McpUnavailableError) return toolFailure(error.code, error.message);
      throw error;
    }
  }

  private async call(
    client: Client,
    input: Record<string, unknown>,
    options: McpRequestOptions,
  ): Promise<ToolOutput> {
    let result;
    try {
      result = await client.callTool({ name: this.listing.name, arguments: input }, undefined, options);
    } catch (error) {
      // The server answered, with a JSON-RPC error (unknown tool, invalid arguments): the model's to fix.
      if (error instanceof McpError && !TRANSPORT_ERRORS.has(error.code))
        return toolFailure('MCP_TOOL_ERROR', error.message.slice(0, 2_000));
      throw error;
    }
    const text = textOf(result.content as readonly ContentPart[] | undefined, this.limits.maxResultChars);
    if (result.isError) return toolFailure('MCP_TOOL_ERROR', text || 'The tool reported an error');
    return {
      ok: true,
      output: {
        text,
        ...(result.structuredContent ? { structured: result.structuredContent } : {}),
      },
    };
  }
}

/** The SDK's codes for an exchange that broke rather than an answer the server gave. */
const TRANSPORT_ERRORS = new Set<number>([McpErrorCode.ConnectionClosed, McpErrorCode.RequestTimeout]);

interface ContentPart {
  readonly type: string;
  readonly text?: string;
  readonly mimeType?: string;
  readonly uri?: string;
  readonly name?: string;
  readonly resource?: { readonly uri?: string; readonly text?: string; readonly mimeType?: string };
}

/** The result's parts as text for the model: text as it is, other parts described, cut at `max`. */
function textOf(content: readonly ContentPart[] | undefined, max: number): string {
  const parts = (content ?? []).map((part) => {
    switch (part.type) {
      case 'text':
        return part.text ?? '';
      case 'resource':
        return part.resource?.text ?? `[resource ${part.resource?.uri ?? ''}]`;
      case 'resource_link':
        return `[resource ${part.name ?? ''} ${part.uri ?? ''}]`;
      default:
        return `[${part.type}${part.mimeType ? ` ${part.mimeType}` : ''}]`;
    }
  });
  const text = parts.join('\n');
  return text.length > max ? `${text.slice(0, max)}\n[cut at ${max} characters]` : text;
}
