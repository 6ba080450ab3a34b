import { HealthDataContract } from '@conduit/contracts';
import { defineStreamEndpoint } from '../streaming/stream-endpoint';

/** An import's live progress, over SSE (`GET /api/v1/health/imports/:id/events`) or a `/ws` `start` frame. */
export const HealthStreamEndpoints = {
  import: defineStreamEndpoint({
    name: 'health.import',
    start: HealthDataContract.watchImport,
    stream: HealthDataContract.importStream,
  }),
} as const;
