import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AgentTool, AllowedTools, ToolSource } from '../tools/agent-tool';
import { ToolRegistry } from '../tools/tool-registry';
import { McpServersService } from './mcp-servers.service';
import { McpStdioServers } from './mcp-stdio-servers';
import { McpToolCatalog } from './mcp-tool-catalog';

/**
 * The tools of the MCP servers an agent names (the user's own, enabled ones, and the operator's stdio
 * servers named `stdio:<name>`), as agent tools named
 * `<server>__<tool>`. A server that cannot be reached when the run gathers its tools offers none that
 * run (and is logged); one that fails later answers its tool calls with a clear error.
 */
@Injectable()
export class McpTools implements ToolSource, OnModuleInit {
  private readonly logger = new Logger('McpTools');

  constructor(
    private readonly servers: McpServersService,
    private readonly stdio: McpStdioServers,
    private readonly catalog: McpToolCatalog,
    private readonly registry: ToolRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async toolsFor(userId: string, allowed: AllowedTools, signal: AbortSignal): Promise<readonly AgentTool[]> {
    if (allowed.mcpServers.length === 0) return [];
    const servers = [
      ...this.stdio.handlesOf(allowed.mcpServers),
      ...(await this.servers.handlesOf(userId, allowed.mcpServers)),
    ];
    const tools = await this.catalog.agentToolsOf(servers, signal, (server, error) =>
      this.logger.warn(`MCP server ${server} left out of a run of user ${userId}: ${error.message}`),
    );
    const seen = new Set<string>();
    return tools.filter((tool) => !seen.has(tool.name) && seen.add(tool.name));
  }
}
