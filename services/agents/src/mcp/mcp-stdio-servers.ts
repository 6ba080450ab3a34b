import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InjectConfig } from '@conduit/service-kit';
import { CLIENT_INFO, unavailable } from './mcp-connector';
import type { McpRequestOptions, McpServerHandle } from './mcp-server-tool';
import type { NamedMcpServer } from './mcp-tool-catalog';
import type { McpConfig, StdioServerConfig } from './mcp.config';

/** How agents name an operator's stdio server in `mcpServers`. */
export const STDIO_SERVER_PREFIX = 'stdio:';

/**
 * The MCP servers the operator configured to run as child processes (AGENTS_MCP_STDIO_SERVERS): each is
 * started on first use and kept, one session shared by every run of this replica; a server that exits
 * is started again on the next use. Users cannot add these.
 */
@Injectable()
export class McpStdioServers implements OnApplicationShutdown {
  private readonly logger = new Logger('McpStdioServers');
  private readonly configured: ReadonlyMap<string, StdioServerConfig>;
  private readonly running = new Map<string, Promise<Client>>();

  constructor(@InjectConfig() private readonly config: McpConfig) {
    this.configured = new Map(config.AGENTS_MCP_STDIO_SERVERS.map((server) => [server.name, server]));
  }

  /** The configured servers among `ids` (`stdio:<name>`). */
  handlesOf(ids: readonly string[]): NamedMcpServer[] {
    return ids.flatMap((id) => {
      if (!id.startsWith(STDIO_SERVER_PREFIX)) return [];
      const server = this.configured.get(id.slice(STDIO_SERVER_PREFIX.length));
      return server ? [{ name: server.name, handle: this.handleOf(server) }] : [];
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const clients = await Promise.allSettled(this.running.values());
    this.running.clear();
    await Promise.all(
      clients.map((c) => (c.status === 'fulfilled' ? c.value.close().catch(() => undefined) : undefined)),
    );
  }

  private handleOf(server: StdioServerConfig): McpServerHandle {
    const label = `"${server.name}"`;
    return {
      label,
      cacheKey: `${STDIO_SERVER_PREFIX}${server.name}`,
      exchange: async <T>(
        signal: AbortSignal,
        use: (client: Client, options: McpRequestOptions) => Promise<T>,
        shorterTimeoutMs?: number,
      ): Promise<T> => {
        const timeoutMs = shorterTimeoutMs ?? this.config.AGENTS_MCP_TIMEOUT_MS;
        const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
        try {
          const client = await this.clientOf(server, { signal: deadline, timeout: timeoutMs });
          return await use(client, { signal: deadline, timeout: timeoutMs });
        } catch (error) {
          throw unavailable(error, { signal, timeoutMs, label }, deadline);
        }
      },
    };
  }

  private clientOf(
    server: StdioServerConfig,
    options: { signal: AbortSignal; timeout: number },
  ): Promise<Client> {
    let client = this.running.get(server.name);
    if (!client) {
      client = this.start(server, options);
      this.running.set(server.name, client);
      // A server that could not start is tried again on the next use.
      client.catch(() => this.running.delete(server.name));
    }
    return client;
  }

  private async start(
    server: StdioServerConfig,
    options: { signal: AbortSignal; timeout: number },
  ): Promise<Client> {
    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args,
      env: { ...getDefaultEnvironment(), ...server.env },
      ...(server.cwd ? { cwd: server.cwd } : {}),
      stderr: 'ignore',
    });
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    client.onclose = () => {
      this.logger.warn(`MCP server ${server.name} (stdio) closed; it is started again on next use`);
      this.running.delete(server.name);
    };
    try {
      await client.connect(transport, options);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    return client;
  }
}
