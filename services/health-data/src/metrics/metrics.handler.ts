import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  HealthDataContract,
  requireUserId,
  type MetricSeries,
  type ParsedRequestOf,
} from '@conduit/contracts';
import { metricSpec } from './metric-catalog';
import { MetricQueryRepository } from './metric-query.repository';

/** Longest range one hourly query covers (a year and a day: 8,784 points at most). */
const MAX_HOURLY_RANGE_MS = 366 * 86_400_000;

@Controller()
export class MetricsHandler {
  constructor(private readonly queries: MetricQueryRepository) {}

  /** The caller's series of one metric in [from, to) at the asked resolution. */
  @HandleRequest(HealthDataContract.queryMetric)
  async query(
    @Payload() query: ParsedRequestOf<typeof HealthDataContract.queryMetric>,
    @Ctx() ctx: BusContext,
  ): Promise<MetricSeries> {
    const userId = requireUserId(ctx.envelope);
    const spec = metricSpec(query.metric);
    if (!spec)
      throw new DomainError(ErrorCode.NotFound, `No metric named ${query.metric}`, { metric: query.metric });
    const tz = query.tz ?? 'UTC';
    if (!isTimeZone(tz)) {
      throw new DomainError(ErrorCode.ValidationFailed, `Unknown time zone ${tz}`, {
        fields: [{ path: 'tz', message: 'must be an IANA time zone, e.g. Europe/Berlin' }],
      });
    }
    const base = {
      metric: query.metric,
      unit: spec.unit,
      aggregation: spec.aggregation,
      resolution: query.resolution,
      tz,
    };
    const range = { userId, metric: query.metric, from: query.from, to: query.to, source: query.source };
    if (query.resolution === 'raw') return { ...base, ...(await this.queries.raw(range)) };
    if (
      query.resolution === 'hourly' &&
      Date.parse(query.to) - Date.parse(query.from) > MAX_HOURLY_RANGE_MS
    ) {
      throw new DomainError(
        ErrorCode.ValidationFailed,
        'An hourly series covers at most 366 days; ask for daily',
        {
          fields: [{ path: 'to', message: 'at most 366 days after from at hourly resolution' }],
        },
      );
    }
    const unit = query.resolution === 'hourly' ? 'hour' : query.resolution === 'daily' ? 'day' : 'week';
    const points = await this.queries.buckets({ ...range, unit, tz }, spec.aggregation);
    return { ...base, points, nextFrom: null };
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
