import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  AgentsMcpContract,
  CreateMcpServerSchema,
  McpServerRefSchema,
  McpServerSchema,
  McpToolSchema,
  UpdateMcpServerSchema,
  type CreateMcpServer,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const TAG = 'agents';
const McpServerChangeSchema = UpdateMcpServerSchema.omit({ id: true });
type McpServerRef = z.output<typeof McpServerRefSchema>;
type McpServerChange = z.input<typeof McpServerChangeSchema>;

/**
 * Users' MCP servers, whose tools their agents may call; headers (tokens) go in and never come back out.
 * Each user sees only theirs.
 */
@Controller('api/v1/agents/mcp-servers')
export class McpServersController {
  constructor(private readonly bus: Bus) {}

  @Post()
  @ApiRoute({
    summary: 'Add an MCP server ({name, url, headers?, enabled?}); headers are stored encrypted',
    tag: TAG,
    body: CreateMcpServerSchema,
    response: McpServerSchema,
    successStatus: 201,
  })
  create(@Body() body: CreateMcpServer, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsMcpContract.createServer, body, caller);
  }

  @Get()
  @ApiRoute({
    summary: 'Your MCP servers (header names only)',
    tag: TAG,
    response: z.object({ data: z.array(McpServerSchema) }),
  })
  list(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsMcpContract.listServers, {}, caller);
  }

  @Get(':id')
  @ApiRoute({
    summary: 'One of your MCP servers',
    tag: TAG,
    params: McpServerRefSchema,
    response: McpServerSchema,
  })
  get(@Param() params: McpServerRef, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsMcpContract.getServer, params, caller);
  }

  @Get(':id/tools')
  @ApiRoute({
    summary:
      'Connect to one of your MCP servers and list its tools (503 or 504 saying why when it cannot be reached)',
    tag: TAG,
    params: McpServerRefSchema,
    response: z.object({ tools: z.array(McpToolSchema) }),
  })
  tools(@Param() params: McpServerRef, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsMcpContract.listServerTools, params, caller);
  }

  @Patch(':id')
  @ApiRoute({
    summary: 'Change an MCP server: the fields given are replaced (headers all at once)',
    tag: TAG,
    params: McpServerRefSchema,
    body: McpServerChangeSchema,
    response: McpServerSchema,
  })
  update(
    @Param() params: McpServerRef,
    @Body() body: McpServerChange,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(AgentsMcpContract.updateServer, { ...body, id: params.id }, caller);
  }

  @Delete(':id')
  @ApiRoute({
    summary: 'Remove an MCP server and its stored headers',
    tag: TAG,
    params: McpServerRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async delete(@Param() params: McpServerRef, @Caller() caller: AuthenticatedCaller) {
    await this.bus.request(AgentsMcpContract.deleteServer, params, caller);
  }
}
