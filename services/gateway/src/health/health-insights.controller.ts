import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  HealthDataContract,
  HealthMetricNameSchema,
  HealthOverviewQuerySchema,
  HealthOverviewSchema,
  type HealthOverviewQuery,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const DAY_MS = 86_400_000;
/** The range a chart covers when none is asked for: the 90 days up to today. */
const DEFAULT_CHART_DAYS = 90;

/** `resting_heart_rate.svg`: the metric's name with the type the answer has. */
const ChartParamsSchema = z.strictObject({
  file: z
    .string()
    .regex(/^.+\.svg$/, 'a metric name followed by .svg')
    .transform((file) => file.slice(0, -'.svg'.length))
    .pipe(HealthMetricNameSchema),
});
const ChartQuerySchema = z.strictObject({
  /** First day shown (`2026-09-01`); 90 days before `to` by default. */
  from: z.iso.date().optional(),
  /** Last day shown; today (UTC) by default. */
  to: z.iso.date().optional(),
});

/** The health overview and charts, relayed to the health-data service for the caller's own data. */
@Controller('api/v1/health')
export class HealthInsightsController {
  constructor(private readonly bus: Bus) {}

  @Get('overview')
  @ApiRoute({
    summary:
      'Sleep, resting heart rate, HRV, stress, body battery, steps, intensity minutes, training readiness, body composition and latest blood markers, each with 7/30/90-day averages and direction',
    tag: 'health',
    query: HealthOverviewQuerySchema,
    response: HealthOverviewSchema,
  })
  overview(@Query() query: HealthOverviewQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(HealthDataContract.getOverview, query, caller);
  }

  @Get('charts/:file')
  @ApiRoute({
    summary:
      "A metric's daily values with 7- and 30-day averages (and a blood marker's reference band) as an accessible SVG chart: GET /api/v1/health/charts/resting_heart_rate.svg?from=2026-09-01&to=2026-11-30",
    tag: 'health',
    params: ChartParamsSchema,
    query: ChartQuerySchema,
    produces: 'file',
  })
  async chart(
    @Param() params: z.output<typeof ChartParamsSchema>,
    @Query() query: z.output<typeof ChartQuerySchema>,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from =
      query.from ?? new Date(Date.parse(to) - (DEFAULT_CHART_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
    const { svg } = await this.bus.request(
      HealthDataContract.renderChart,
      { metric: params.file, from, to },
      caller,
    );
    await reply
      .header('content-type', 'image/svg+xml; charset=utf-8')
      .header('cache-control', 'private, max-age=60')
      .send(svg);
  }
}
