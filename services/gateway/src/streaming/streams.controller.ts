import { Controller, Delete, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { resumeAsSse } from './sse-relay';
import { StreamRelay } from './stream-relay.service';

const TAG = 'streams';
export const StreamRefSchema = z.strictObject({ streamId: z.uuid() });
export type StreamRef = z.output<typeof StreamRefSchema>;
export const ResumeQuerySchema = z.strictObject({ after: z.coerce.number().int().min(-1).optional() });
export type ResumeQuery = z.output<typeof ResumeQuerySchema>;

/** Any stream, whichever service produces it, resumed or stopped by its id (its owner only). */
@Controller('api/v1/streams')
export class StreamsController {
  constructor(private readonly relay: StreamRelay) {}

  @Get(':streamId')
  @ApiRoute({
    summary:
      'Resume a stream: the events after Last-Event-ID (or ?after=<seq>) in order, then the live rest (SSE)',
    tag: TAG,
    params: StreamRefSchema,
    query: ResumeQuerySchema,
    produces: 'sse',
  })
  resume(
    @Param() params: StreamRef,
    @Query() query: ResumeQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return resumeAsSse(this.relay, caller, reply, { ...params, lastEventId, after: query.after });
  }

  @Delete(':streamId')
  @ApiRoute({
    summary: 'Stop a running stream (404: unknown or not yours; 409: already finished)',
    tag: TAG,
    params: StreamRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async cancel(@Param() params: StreamRef, @Caller() caller: AuthenticatedCaller): Promise<void> {
    await this.relay.cancel(caller, params.streamId);
  }
}
