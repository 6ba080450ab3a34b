import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { AgentsContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { AgentsService } from './agents.service';

/** Agent definitions, always the envelope's user's. */
@Controller()
export class AgentsHandler {
  constructor(private readonly agents: AgentsService) {}

  @HandleRequest(AgentsContract.createAgent)
  create(@Payload() payload: ParsedRequestOf<typeof AgentsContract.createAgent>, @Ctx() ctx: BusContext) {
    return this.agents.create(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(AgentsContract.listAgents)
  list(@Payload() payload: ParsedRequestOf<typeof AgentsContract.listAgents>, @Ctx() ctx: BusContext) {
    return this.agents.list(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(AgentsContract.getAgent)
  get(@Payload() payload: ParsedRequestOf<typeof AgentsContract.getAgent>, @Ctx() ctx: BusContext) {
    return this.agents.get(requireUserId(ctx.envelope), payload.agentId);
  }

  @HandleRequest(AgentsContract.updateAgent)
  update(@Payload() payload: ParsedRequestOf<typeof AgentsContract.updateAgent>, @Ctx() ctx: BusContext) {
    return this.agents.update(requireUserId(ctx.envelope), payload.agentId, payload.update);
  }

  @HandleRequest(AgentsContract.deleteAgent)
  delete(@Payload() payload: ParsedRequestOf<typeof AgentsContract.deleteAgent>, @Ctx() ctx: BusContext) {
    return this.agents.delete(requireUserId(ctx.envelope), payload.agentId);
  }
}
