import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { AgentsMcpContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { McpServersService } from './mcp-servers.service';

type Req<K extends keyof typeof AgentsMcpContract> = ParsedRequestOf<(typeof AgentsMcpContract)[K]>;

/** Users' MCP servers, always the envelope's user's. */
@Controller()
export class McpServersHandler {
  constructor(private readonly servers: McpServersService) {}

  @HandleRequest(AgentsMcpContract.createServer)
  create(@Payload() payload: Req<'createServer'>, @Ctx() ctx: BusContext) {
    return this.servers.create(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(AgentsMcpContract.listServers)
  list(@Payload() _payload: Req<'listServers'>, @Ctx() ctx: BusContext) {
    return this.servers.list(requireUserId(ctx.envelope));
  }

  @HandleRequest(AgentsMcpContract.getServer)
  get(@Payload() payload: Req<'getServer'>, @Ctx() ctx: BusContext) {
    return this.servers.get(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(AgentsMcpContract.updateServer)
  update(@Payload() payload: Req<'updateServer'>, @Ctx() ctx: BusContext) {
    const { id, ...update } = payload;
    return this.servers.update(requireUserId(ctx.envelope), id, update);
  }

  @HandleRequest(AgentsMcpContract.deleteServer)
  delete(@Payload() payload: Req<'deleteServer'>, @Ctx() ctx: BusContext) {
    return this.servers.delete(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(AgentsMcpContract.listServerTools)
  tools(@Payload() payload: Req<'listServerTools'>, @Ctx() ctx: BusContext) {
    return this.servers.tools(requireUserId(ctx.envelope), payload.id, new AbortController().signal);
  }
}
