import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  AgentRefSchema,
  AgentRunSchema,
  AgentsContract,
  ListRunsQuerySchema,
  RunPageSchema,
  RunRefSchema,
  StartRunBodySchema,
  type StartRunBody,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { RequestCount, type RequestCountListener } from '../rate-limits/request-count';
import { sendAsSse } from '../streaming/sse-relay';
import { RelaysStream } from '../streaming/stream-endpoint';
import { StreamRelay } from '../streaming/stream-relay.service';
import { AgentsStreamEndpoints } from './agents-stream-endpoints';

const TAG = 'agents';

/**
 * Runs of an agent: started and followed live (SSE; the event ids are `<runId>:<seq>`, resumable and
 * cancellable through `/api/v1/streams/:runId`), then read back with their whole transcript.
 */
@Controller('api/v1/agents/:agentId/runs')
export class AgentRunsController {
  constructor(
    private readonly bus: Bus,
    private readonly streams: StreamRelay,
  ) {}

  @Post()
  @ApiRoute({
    summary:
      'Run the agent ({input, continueRunId?}) and stream it (SSE): run.started, per step step.started, delta, tool.call, tool.result, step.finished, then one done or error',
    tag: TAG,
    params: AgentRefSchema,
    body: StartRunBodySchema,
    produces: 'sse',
  })
  @RelaysStream(AgentsStreamEndpoints.run)
  async start(
    @Param() params: z.output<typeof AgentRefSchema>,
    @Body() body: StartRunBody,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
    @RequestCount() requestCount: RequestCountListener,
  ): Promise<void> {
    const started = await this.streams.start(
      caller,
      AgentsStreamEndpoints.run,
      {
        agentId: params.agentId,
        input: body.input,
        ...(body.continueRunId ? { continueRunId: body.continueRunId } : {}),
      },
      requestCount,
    );
    await sendAsSse(reply, started.stream);
  }

  @Get()
  @ApiRoute({
    summary: "The agent's runs, newest first, without their transcripts",
    tag: TAG,
    params: AgentRefSchema,
    query: ListRunsQuerySchema,
    response: RunPageSchema,
  })
  list(
    @Param() params: z.output<typeof AgentRefSchema>,
    @Query() query: z.output<typeof ListRunsQuerySchema>,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(AgentsContract.listRuns, { ...query, agentId: params.agentId }, caller);
  }

  @Get(':runId')
  @ApiRoute({
    summary: 'One run: status, stop reason, answer, usage, cost and the whole transcript',
    tag: TAG,
    params: RunRefSchema,
    response: AgentRunSchema,
  })
  get(@Param() params: z.output<typeof RunRefSchema>, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsContract.getRun, params, caller);
  }
}
