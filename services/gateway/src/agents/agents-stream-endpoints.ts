import { AgentsContract } from '@conduit/contracts';
import { defineStreamEndpoint } from '../streaming/stream-endpoint';

/** A run of an agent, over SSE (`POST /api/v1/agents/:agentId/runs`) or a `/ws` `start` frame naming it. */
export const AgentsStreamEndpoints = {
  run: defineStreamEndpoint({
    name: 'agents.run',
    start: AgentsContract.startRun,
    stream: AgentsContract.runStream,
  }),
} as const;
