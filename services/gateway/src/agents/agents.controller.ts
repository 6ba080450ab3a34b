import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import type { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  AgentPageSchema,
  AgentRefSchema,
  AgentSchema,
  AgentsContract,
  CreateAgentSchema,
  ListAgentsQuerySchema,
  UpdateAgentSchema,
  type CreateAgent,
  type ListAgentsQuery,
  type UpdateAgent,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const TAG = 'agents';
type AgentRef = z.output<typeof AgentRefSchema>;

/** Agent definitions: instructions, model, allowed tools and limits per run; each user sees only theirs. */
@Controller('api/v1/agents')
export class AgentsController {
  constructor(private readonly bus: Bus) {}

  @Post()
  @ApiRoute({
    summary:
      'Create an agent ({name, description?, instructions?, model?, tools?, mcpServers?, connectors?, limits?})',
    tag: TAG,
    body: CreateAgentSchema,
    response: AgentSchema,
    successStatus: 201,
  })
  create(@Body() body: CreateAgent, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsContract.createAgent, body, caller);
  }

  @Get()
  @ApiRoute({
    summary: 'Your agents, newest first, one page at a time',
    tag: TAG,
    query: ListAgentsQuerySchema,
    response: AgentPageSchema,
  })
  list(@Query() query: ListAgentsQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsContract.listAgents, query, caller);
  }

  @Get(':agentId')
  @ApiRoute({ summary: 'One of your agents', tag: TAG, params: AgentRefSchema, response: AgentSchema })
  get(@Param() params: AgentRef, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsContract.getAgent, params, caller);
  }

  @Patch(':agentId')
  @ApiRoute({
    summary: 'Change an agent: the fields given are replaced, limits are merged',
    tag: TAG,
    params: AgentRefSchema,
    body: UpdateAgentSchema,
    response: AgentSchema,
  })
  update(@Param() params: AgentRef, @Body() body: UpdateAgent, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsContract.updateAgent, { agentId: params.agentId, update: body }, caller);
  }

  @Delete(':agentId')
  @ApiRoute({
    summary: 'Delete an agent and its stored runs',
    tag: TAG,
    params: AgentRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async delete(@Param() params: AgentRef, @Caller() caller: AuthenticatedCaller) {
    await this.bus.request(AgentsContract.deleteAgent, params, caller);
  }
}
