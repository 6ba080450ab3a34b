import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { MCP_SERVER_CHECK_TIMEOUT_MS } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import { AddressPolicy } from '../outbound/address-policy';
import { guardedDispatcher } from '../outbound/guarded-dispatcher';
import { McpConnector, McpUnavailableError, type McpEndpoint } from './mcp-connector';
import { McpServerTool, type McpServerHandle, type McpToolListing } from './mcp-server-tool';
import { prefixedToolName } from './mcp-tool-names';
import type { McpConfig } from './mcp.config';

/** A server and the name its tools are prefixed with. */
export interface NamedMcpServer {
  readonly name: string;
  readonly handle: McpServerHandle;
}

/** Pages of a tool listing read at most (a server that pages forever is cut off). */
const MAX_PAGES = 20;
/**
 * How long a server that could not be listed is not asked again when runs gather their tools: a server
 * that swallows connections would otherwise hold up every run's start by the whole timeout.
 */
const FAILURE_MEMORY_MS = 10_000;

/**
 * Servers' tool lists, asked of each server at most once per AGENTS_MCP_TOOLS_CACHE_MS (per server
 * version: editing a server asks again), and the connector every MCP exchange of this process uses.
 */
@Injectable()
export class McpToolCatalog {
  private readonly connector: McpConnector;
  private readonly logger = new Logger('McpToolCatalog');
  private readonly cache: LRUCache<string, readonly McpToolListing[]>;
  private readonly failures: LRUCache<string, McpUnavailableError>;

  constructor(@InjectConfig() private readonly config: McpConfig) {
    this.connector = new McpConnector(
      guardedDispatcher(new AddressPolicy(config.AGENTS_MCP_ALLOWED_ADDRESSES), {
        connectTimeoutMs: config.AGENTS_MCP_TIMEOUT_MS,
      }),
    );
    this.cache = new LRUCache({ max: 5_000, ttl: config.AGENTS_MCP_TOOLS_CACHE_MS });
    this.failures = new LRUCache({
      max: 5_000,
      ttl: Math.min(FAILURE_MEMORY_MS, config.AGENTS_MCP_TOOLS_CACHE_MS),
    });
  }

  /**
   * The server's tools; throws McpUnavailableError when it cannot be asked, or (unless this is the
   * user's `check`, which also waits at most MCP_SERVER_CHECK_TIMEOUT_MS) was not reachable moments ago.
   */
  async toolsOf(
    server: McpServerHandle,
    signal: AbortSignal,
    options: { check?: boolean } = {},
  ): Promise<readonly McpToolListing[]> {
    const cached = this.cache.get(server.cacheKey);
    if (cached) return cached;
    const failed = options.check ? undefined : this.failures.get(server.cacheKey);
    if (failed) throw failed;
    try {
      const tools = await this.list(
        server,
        signal,
        options.check ? Math.min(MCP_SERVER_CHECK_TIMEOUT_MS, this.config.AGENTS_MCP_TIMEOUT_MS) : undefined,
      );
      this.failures.delete(server.cacheKey);
      this.cache.set(server.cacheKey, tools);
      return tools;
    } catch (error) {
      if (error instanceof McpUnavailableError && error.code !== 'CANCELLED')
        this.failures.set(server.cacheKey, error);
      throw error;
    }
  }

  private list(
    server: McpServerHandle,
    signal: AbortSignal,
    timeoutMs: number | undefined,
  ): Promise<McpToolListing[]> {
    return server.exchange(
      signal,
      async (client, options) => {
        const listed: McpToolListing[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const answer = await client.listTools(cursor ? { cursor } : {}, options);
          listed.push(
            ...answer.tools.map((tool) => ({
              name: tool.name,
              description: tool.description,
              inputSchema: tool.inputSchema as Record<string, unknown>,
            })),
          );
          cursor = answer.nextCursor;
          if (!cursor) return listed;
        }
        this.logger.warn(
          `${server.label} lists more than ${MAX_PAGES} pages of tools; the rest are left out`,
        );
        return listed;
      },
      timeoutMs,
    );
  }

  /** A user's server over streamable HTTP: one short session per exchange; headers opened only then. */
  httpHandle(
    server: { readonly id: string; readonly name: string; readonly updatedAt: Date },
    endpoint: () => Promise<McpEndpoint>,
  ): McpServerHandle {
    const label = `"${server.name}"`;
    return {
      label,
      cacheKey: `${server.id}:${server.updatedAt.getTime()}`,
      exchange: async (signal, use, timeoutMs) =>
        this.connector.withSession(
          await endpoint(),
          { signal, timeoutMs: timeoutMs ?? this.config.AGENTS_MCP_TIMEOUT_MS, label },
          use,
        ),
    };
  }

  /** Every tool of `servers` as an agent tool; a server that cannot be asked is left out (and reported). */
  async agentToolsOf(
    servers: readonly NamedMcpServer[],
    signal: AbortSignal,
    onUnavailable: (server: string, error: McpUnavailableError) => void,
  ): Promise<McpServerTool[]> {
    const perServer = await Promise.all(
      servers.map(async ({ name, handle }) => {
        try {
          const listed = await this.toolsOf(handle, signal);
          return listed.map(
            (tool) =>
              new McpServerTool(prefixedToolName(name, tool.name), tool, handle, {
                maxResultChars: this.config.AGENTS_MCP_MAX_RESULT_CHARS,
              }),
          );
        } catch (error) {
          if (!(error instanceof McpUnavailableError)) throw error;
          onUnavailable(name, error);
          return [];
        }
      }),
    );
    return perServer.flat();
  }

  forget(serverId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${serverId}:`)) this.cache.delete(key);
    for (const key of this.failures.keys()) if (key.startsWith(`${serverId}:`)) this.failures.delete(key);
  }
}
