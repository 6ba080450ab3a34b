import { z } from 'zod';
import { configFields } from '@conduit/service-kit';
import { AddressAllowListSchema } from '../outbound/address-policy';

/** One MCP server the operator runs as a child process (stdio), for every user's agents. */
const StdioServerSchema = z.strictObject({
  /** Its tools' prefix; agents name it as `stdio:<name>` in `mcpServers`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,23}$/),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Added to a minimal environment (HOME, PATH, SHELL, TERM): nothing else of the service's is passed on. */
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().min(1).optional(),
});
export type StdioServerConfig = z.output<typeof StdioServerSchema>;

/** The MCP client's settings; part of the service's config (config.ts extends it). */
export const McpConfigSchema = z.object({
  /** Longest one exchange with an MCP server may take (connecting included): a listing or a tool call. */
  AGENTS_MCP_TIMEOUT_MS: configFields.milliseconds(30_000),
  /** How long a server's tool list is reused before it is asked again (changing the server asks again at once). */
  AGENTS_MCP_TOOLS_CACHE_MS: configFields.milliseconds(60_000),
  /**
   * Addresses or CIDR ranges users' MCP servers may be at although not public (servers inside the
   * cluster), comma separated. Empty by default: users' servers must be on public addresses.
   */
  AGENTS_MCP_ALLOWED_ADDRESSES: AddressAllowListSchema,
  /** Longest text of one tool result handed to the model; the rest is cut. */
  /**
   * Operator-run MCP servers over stdio, as JSON: `[{"name", "command", "args"?, "env"?, "cwd"?}]`. Users
   * cannot add these: only HTTP servers are theirs to configure.
   */
  AGENTS_MCP_STDIO_SERVERS: z
    .string()
    .default('[]')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .array(StdioServerSchema)
        .refine((servers) => new Set(servers.map((s) => s.name)).size === servers.length, {
          message: 'two servers have the same name',
        }),
    ),
  AGENTS_MCP_MAX_RESULT_CHARS: z.coerce.number().int().min(100).max(10_000_000).default(100_000),
});
export type McpConfig = z.infer<typeof McpConfigSchema>;
