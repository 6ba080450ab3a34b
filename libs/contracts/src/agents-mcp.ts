import { z } from 'zod';
import { defineRequest } from './definitions';
import { ErrorCode } from './errors';

/**
 * Users' MCP servers, answered by the agents service: where a server is (a streamable HTTP URL) and the
 * headers it needs (bearer tokens, API keys), which are secrets: stored encrypted and never answered
 * back, only their names. An agent lists the ids of the servers whose tools it may call. Every request
 * is answered for the envelope's user only.
 */

/** Servers one user may configure. */
export const MAX_MCP_SERVERS_PER_USER = 50;
export const MAX_MCP_HEADERS = 20;
/**
 * Longest the tools check of a server (`listServerTools`) waits for it, whatever the service's own MCP
 * timeout: the answer comes within a bus request's usual time limit.
 */
export const MCP_SERVER_CHECK_TIMEOUT_MS = 8_000;

/**
 * A server's name: the prefix of its tools' names as the model sees them (`<name>__<tool>`), so short
 * and made of what tool names allow.
 */
export const McpServerNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,23}$/,
    'lower-case letters, digits and - (up to 24, starting with a letter or digit)',
  );

/** Where the server answers MCP's streamable HTTP transport. */
export const McpServerUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2_000)
  .refine(
    (url) => {
      const parsed = URL.parse(url);
      return !parsed || (!parsed.username && !parsed.password);
    },
    { message: 'must not carry credentials; put them in headers' },
  );

/** An HTTP header name (RFC 9110 token); the ones the transport sets itself are refused. */
const HeaderNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'not a valid header name')
  .refine(
    (name) =>
      !['host', 'content-length', 'content-type', 'accept', 'connection', 'transfer-encoding'].includes(
        name.toLowerCase(),
      ) && !name.toLowerCase().startsWith('mcp-'),
    { message: 'is set by the transport itself' },
  );

/** Headers sent with every request to the server (`Authorization: Bearer ...`): secrets. */
export const McpServerHeadersSchema = z
  .record(
    HeaderNameSchema,
    z
      .string()
      .min(1)
      .max(8_000)
      .regex(/^[^\r\n]*$/, 'must be one line'),
  )
  .refine((headers) => Object.keys(headers).length <= MAX_MCP_HEADERS, {
    message: `at most ${MAX_MCP_HEADERS} headers`,
  });

export const CreateMcpServerSchema = z.strictObject({
  name: McpServerNameSchema,
  url: McpServerUrlSchema,
  headers: McpServerHeadersSchema.default({}),
  /** Off: agents naming it get none of its tools. */
  enabled: z.boolean().default(true),
});
export type CreateMcpServer = z.input<typeof CreateMcpServerSchema>;

export const McpServerRefSchema = z.strictObject({ id: z.uuid() });

/** The fields given replace the old ones; `headers` replaces every header (`{}` removes them all). */
export const UpdateMcpServerSchema = z.strictObject({
  id: z.uuid(),
  name: McpServerNameSchema.optional(),
  url: McpServerUrlSchema.optional(),
  headers: McpServerHeadersSchema.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateMcpServer = z.input<typeof UpdateMcpServerSchema>;

/** A server as answered: its headers' names only, never their values. */
export const McpServerSchema = z.object({
  id: z.uuid(),
  name: McpServerNameSchema,
  url: z.string(),
  headerNames: z.array(z.string()),
  enabled: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type McpServer = z.infer<typeof McpServerSchema>;

/** One tool of a server, as agents get it. */
export const McpToolSchema = z.object({
  /** The name the model calls it by: `<server name>__<tool name>`, cut to 64 characters. */
  name: z.string(),
  /** The server's own name for it. */
  serverToolName: z.string(),
  description: z.string(),
  /** Its arguments' JSON schema, as the server gave it. */
  inputSchema: z.record(z.string(), z.unknown()),
});
export type McpTool = z.infer<typeof McpToolSchema>;

const serverErrors = [ErrorCode.NotFound] as const;

export const AgentsMcpContract = {
  createServer: defineRequest({
    subject: 'agents.mcp-server.create',
    request: CreateMcpServerSchema,
    response: McpServerSchema,
    errors: [ErrorCode.Conflict],
  }),
  listServers: defineRequest({
    subject: 'agents.mcp-server.list',
    request: z.strictObject({}),
    response: z.object({ data: z.array(McpServerSchema) }),
  }),
  getServer: defineRequest({
    subject: 'agents.mcp-server.get',
    request: McpServerRefSchema,
    response: McpServerSchema,
    errors: serverErrors,
  }),
  updateServer: defineRequest({
    subject: 'agents.mcp-server.update',
    request: UpdateMcpServerSchema,
    response: McpServerSchema,
    errors: [ErrorCode.NotFound, ErrorCode.Conflict],
  }),
  deleteServer: defineRequest({
    subject: 'agents.mcp-server.delete',
    request: McpServerRefSchema,
    response: z.object({ deleted: z.literal(true) }),
    errors: serverErrors,
  }),
  /**
   * Connects to the server and lists its tools (a check that it is reachable and the headers work);
   * SERVICE_UNAVAILABLE or TIMEOUT, saying why, when it cannot be reached.
   */
  listServerTools: defineRequest({
    subject: 'agents.mcp-server.tools',
    request: McpServerRefSchema,
    response: z.object({ tools: z.array(McpToolSchema) }),
    errors: [ErrorCode.NotFound, ErrorCode.ServiceUnavailable, ErrorCode.Timeout],
  }),
} as const;
