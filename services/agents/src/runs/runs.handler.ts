import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { AgentsContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { AgentRuns } from './agent-runs.service';

/** Runs, always of the envelope's user's agents. */
@Controller()
export class RunsHandler {
  constructor(private readonly runs: AgentRuns) {}

  @HandleRequest(AgentsContract.startRun)
  async start(@Payload() payload: ParsedRequestOf<typeof AgentsContract.startRun>, @Ctx() ctx: BusContext) {
    const started = await this.runs.start({
      userId: requireUserId(ctx.envelope),
      apiKeyId: ctx.envelope.apiKeyId ?? null,
      agentId: payload.agentId,
      input: payload.input,
      trigger: 'api',
      runId: payload.streamId,
      caller: ctx.caller,
      ...(payload.continueRunId ? { continueRunId: payload.continueRunId } : {}),
    });
    return {
      streamId: payload.streamId,
      runId: started.runId,
      agentId: started.agentId,
      model: started.model,
    };
  }

  @HandleRequest(AgentsContract.getRun)
  get(@Payload() payload: ParsedRequestOf<typeof AgentsContract.getRun>, @Ctx() ctx: BusContext) {
    return this.runs.get(requireUserId(ctx.envelope), payload.agentId, payload.runId);
  }

  @HandleRequest(AgentsContract.listRuns)
  list(@Payload() payload: ParsedRequestOf<typeof AgentsContract.listRuns>, @Ctx() ctx: BusContext) {
    return this.runs.list(requireUserId(ctx.envelope), payload.agentId, payload);
  }
}
