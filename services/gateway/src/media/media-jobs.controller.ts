import { Body, Controller, Delete, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  AcceptedJobSchema,
  IdempotencyKeySchema,
  ImageModelListSchema,
  ImageJobInputSchema,
  JobPageSchema,
  JobRefSchema,
  ListJobsQuerySchema,
  MediaGenContract,
  MediaJobSchema,
  VideoJobInputSchema,
  type ListJobsQuery,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { RequestCount, type RequestCountListener } from '../rate-limits/request-count';
import { startAsSse } from '../streaming/sse-relay';
import { RelaysStream } from '../streaming/stream-endpoint';
import { StreamRelay } from '../streaming/stream-relay.service';
import { MediaStreamEndpoints } from './media-stream-endpoints';

const TAG = 'media';
const IdempotencyHeadersSchema = z.object({ 'idempotency-key': IdempotencyKeySchema.optional() });

/**
 * Generation jobs: accepted at once (202) and run in the background; read, listed, cancelled and
 * followed live. Results are signed URLs to `GET /api/v1/media/files/...`.
 */
@Controller('api/v1/media')
export class MediaJobsController {
  constructor(
    private readonly bus: Bus,
    private readonly streams: StreamRelay,
  ) {}

  @Post('images')
  @ApiRoute({
    summary:
      'Generate images ({prompt, model?, size?, quality?, n?} → 202 {jobId}); the job runs in the background. An Idempotency-Key header makes a retry give back the same job',
    tag: TAG,
    body: ImageJobInputSchema,
    headers: IdempotencyHeadersSchema,
    response: AcceptedJobSchema,
    successStatus: 202,
  })
  createImages(
    @Body() body: z.output<typeof ImageJobInputSchema>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(
      MediaGenContract.createImageJob,
      { input: body, ...(idempotencyKey ? { idempotencyKey } : {}) },
      caller,
    );
  }

  @Get('images/models')
  @ApiRoute({
    summary:
      'The image models: the sizes, qualities and number of images each takes, and whether it can run here (available)',
    tag: TAG,
    response: ImageModelListSchema,
  })
  imageModels(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaGenContract.listImageModels, {}, caller);
  }

  @Post('videos')
  @ApiRoute({
    summary:
      'Generate a video ({prompt, model?, size?, seconds?, image?} → 202 {jobId}); image-to-video with image {file: {jobId, index}} (one of your image results) or {upload: {contentType, base64}}. An Idempotency-Key header makes a retry give back the same job',
    tag: TAG,
    body: VideoJobInputSchema,
    headers: IdempotencyHeadersSchema,
    response: AcceptedJobSchema,
    successStatus: 202,
  })
  createVideo(
    @Body() body: z.output<typeof VideoJobInputSchema>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(
      MediaGenContract.createVideoJob,
      { input: body, ...(idempotencyKey ? { idempotencyKey } : {}) },
      caller,
    );
  }

  @Get('jobs')
  @ApiRoute({
    summary: 'Your jobs, newest first, one page at a time (filter by status)',
    tag: TAG,
    query: ListJobsQuerySchema,
    response: JobPageSchema,
  })
  list(@Query() query: ListJobsQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaGenContract.listJobs, query, caller);
  }

  @Get('jobs/:id')
  @ApiRoute({
    summary: 'One job: where it stands, its results as signed expiring URLs, or why it failed',
    tag: TAG,
    params: JobRefSchema,
    response: MediaJobSchema,
  })
  get(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaGenContract.getJob, params, caller);
  }

  @Post('jobs/:id/cancel')
  @ApiRoute({
    summary: 'Cancel a queued or running job (409 once it has finished)',
    tag: TAG,
    params: JobRefSchema,
    response: MediaJobSchema,
    successStatus: 200,
  })
  cancel(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaGenContract.cancelJob, params, caller);
  }

  @Delete('jobs/:id')
  @ApiRoute({
    summary:
      'Delete a finished job and its stored files (409 while it is queued or running: cancel it first)',
    tag: TAG,
    params: JobRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async delete(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    await this.bus.request(MediaGenContract.deleteJob, params, caller);
  }

  @Get('jobs/:id/events')
  @ApiRoute({
    summary:
      'Follow a job live (SSE): queued, running {percent}, then one done {status, results, reason}; at once for a finished job',
    tag: TAG,
    params: JobRefSchema,
    produces: 'sse',
  })
  @RelaysStream(MediaStreamEndpoints.job)
  async events(
    @Param() params: { id: string },
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
    @RequestCount() requestCount: RequestCountListener,
  ): Promise<void> {
    await startAsSse(this.streams, reply, {
      caller,
      endpoint: MediaStreamEndpoints.job,
      request: { jobId: params.id },
      requestCount,
    });
  }
}
