import { Body, Controller, Delete, Get, Param, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  GarminConnectionInputSchema,
  GarminConnectionSchema,
  HealthDataContract,
  HealthDataErasedSchema,
  HealthDataErasureSchema,
  HealthImportSchema,
  HealthMetricNameSchema,
  ImportRefSchema,
  MetricRangeQuerySchema,
  MetricSeriesSchema,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { RequestCount, type RequestCountListener } from '../rate-limits/request-count';
import { startAsSse } from '../streaming/sse-relay';
import { RelaysStream } from '../streaming/stream-endpoint';
import { StreamRelay } from '../streaming/stream-relay.service';
import { HealthStreamEndpoints } from './health-stream-endpoints';

const TAG = 'health';
const MetricParamsSchema = z.strictObject({ metric: HealthMetricNameSchema });

/** Imports, series and the Garmin link of the caller, relayed to the health-data service. */
@Controller('api/v1/health')
export class HealthDataController {
  constructor(
    private readonly bus: Bus,
    private readonly streams: StreamRelay,
  ) {}

  @Get('imports/:id')
  @ApiRoute({
    summary:
      'One import: status (queued only until the service takes it), progress, samples stored, rejections with reasons',
    tag: TAG,
    params: ImportRefSchema,
    response: HealthImportSchema,
  })
  getImport(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(HealthDataContract.getImport, params, caller);
  }

  @Get('imports/:id/events')
  @ApiRoute({
    summary:
      'Follow an import live (SSE): progress {processed, total}, then one done {status, samplesStored}',
    tag: TAG,
    params: ImportRefSchema,
    produces: 'sse',
  })
  @RelaysStream(HealthStreamEndpoints.import)
  async importEvents(
    @Param() params: { id: string },
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
    @RequestCount() requestCount: RequestCountListener,
  ): Promise<void> {
    await startAsSse(this.streams, reply, {
      caller,
      endpoint: HealthStreamEndpoints.import,
      request: { importId: params.id },
      requestCount,
    });
  }

  @Get('metrics/:metric')
  @ApiRoute({
    summary:
      'A metric as a series: ?from&to (ISO 8601), resolution raw|hourly|daily|weekly (daily), tz (IANA, UTC), source',
    tag: TAG,
    params: MetricParamsSchema,
    query: MetricRangeQuerySchema,
    response: MetricSeriesSchema,
  })
  metric(
    @Param() params: { metric: string },
    @Query() query: Record<string, string>,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(
      HealthDataContract.queryMetric,
      { ...query, metric: params.metric } as never,
      caller,
    );
  }

  @Put('garmin/connection')
  @ApiRoute({
    summary:
      'Link your Garmin Health API user ({garminUserId, accessToken?}); 409 when it is linked to someone else',
    tag: TAG,
    body: GarminConnectionInputSchema,
    response: GarminConnectionSchema,
  })
  connectGarmin(
    @Body() body: z.output<typeof GarminConnectionInputSchema>,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(HealthDataContract.connectGarmin, body, caller);
  }

  @Get('garmin/connection')
  @ApiRoute({
    summary: 'Your Garmin link (404 when there is none)',
    tag: TAG,
    response: GarminConnectionSchema,
  })
  garminConnection(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(HealthDataContract.getGarminConnection, {}, caller);
  }

  @Delete('data')
  @ApiRoute({
    summary:
      'Erase your health data: of one source (?source=apple-health: its samples and rollups), or all of it (also import records and the Garmin link)',
    tag: TAG,
    query: HealthDataErasureSchema,
    response: HealthDataErasedSchema,
  })
  eraseData(@Query() query: z.output<typeof HealthDataErasureSchema>, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(HealthDataContract.eraseData, query, caller);
  }

  @Delete('garmin/connection')
  @ApiRoute({
    summary: 'Unlink your Garmin user (samples stay)',
    tag: TAG,
    response: z.object({ disconnected: z.boolean() }),
  })
  disconnectGarmin(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(HealthDataContract.disconnectGarmin, {}, caller);
  }
}
