import { z } from 'zod';
import { configFields } from '@conduit/service-kit';
import { AddressAllowListSchema } from '../outbound/address-policy';

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
  AGENTS_MCP_MAX_RESULT_CHARS: z.coerce.number().int().min(100).max(10_000_000).default(100_000),
});
export type McpConfig = z.infer<typeof McpConfigSchema>;
