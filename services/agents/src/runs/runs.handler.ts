import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { AgentsChatContract, AgentsContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { AgentRuns, type StartRunRequest } from './agent-runs.service';

/** Runs, always of the envelope's user's agents. */
@Controller()
export class RunsHandler {
  constructor(private readonly runs: AgentRuns) {}

  @HandleRequest(AgentsContract.startRun)
  start(@Payload() payload: ParsedRequestOf<typeof AgentsContract.startRun>, @Ctx() ctx: BusContext) {
    return this.startFor(ctx, payload, {
      trigger: 'api',
      ...(payload.continueRunId ? { continueRunId: payload.continueRunId } : {}),
    });
  }

  /** A chat session's turn, as a run of its agent with the session's branch as history. */
  @HandleRequest(AgentsChatContract.startTurn)
  startChatTurn(
    @Payload() payload: ParsedRequestOf<typeof AgentsChatContract.startTurn>,
    @Ctx() ctx: BusContext,
  ) {
    return this.startFor(ctx, payload, {
      trigger: 'chat',
      history: payload.history.map((m) =>
        m.role === 'user'
          ? { role: 'user', text: m.text }
          : { role: 'assistant', text: m.text, toolCalls: [] },
      ),
    });
  }

  /** Starts a run for the envelope's user, whose id is the request's stream id, and acknowledges it. */
  private async startFor(
    ctx: BusContext,
    payload: { streamId: string; agentId: string; input: string },
    how: Pick<StartRunRequest, 'trigger' | 'continueRunId' | 'history'>,
  ) {
    const started = await this.runs.start({
      userId: requireUserId(ctx.envelope),
      apiKeyId: ctx.envelope.apiKeyId ?? null,
      agentId: payload.agentId,
      input: payload.input,
      runId: payload.streamId,
      caller: ctx.caller,
      ...how,
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
