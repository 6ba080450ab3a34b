import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { AgentsToolsContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { AgentToolCalls } from './agent-tool-calls.service';

/** An agent's tools for models other services hold (realtime voice), always the envelope's user's agents. */
@Controller()
export class AgentToolCallsHandler {
  constructor(private readonly calls: AgentToolCalls) {}

  @HandleRequest(AgentsToolsContract.listTools)
  list(@Payload() payload: ParsedRequestOf<typeof AgentsToolsContract.listTools>, @Ctx() ctx: BusContext) {
    return this.calls.list(requireUserId(ctx.envelope), payload.agentId);
  }

  @HandleRequest(AgentsToolsContract.runToolCall)
  run(@Payload() payload: ParsedRequestOf<typeof AgentsToolsContract.runToolCall>, @Ctx() ctx: BusContext) {
    return this.calls.run(
      { userId: requireUserId(ctx.envelope), apiKeyId: ctx.envelope.apiKeyId ?? null },
      payload,
    );
  }
}
