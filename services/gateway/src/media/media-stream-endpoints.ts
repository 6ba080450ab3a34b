import { MediaGenContract } from '@conduit/contracts';
import { defineStreamEndpoint } from '../streaming/stream-endpoint';

/** A job's live progress, over SSE (`GET /api/v1/media/jobs/:id/events`) or a `/ws` `start` frame naming it. */
export const MediaStreamEndpoints = {
  job: defineStreamEndpoint({
    name: 'media.job',
    start: MediaGenContract.watchJob,
    stream: MediaGenContract.jobStream,
  }),
} as const;
