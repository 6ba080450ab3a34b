import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type MetricChartRequest } from '@conduit/contracts';
import { metricSpec } from '../metrics/metric-catalog';
import { BLOOD_MARKER_PREFIX } from '../overview/overview.repository';
import { referenceOf } from '../overview/reference-range';
import { ChartRepository } from './chart.repository';
import { renderMetricChart, type ReferenceBand } from './metric-chart.renderer';
import { rollingAverage } from './rolling-average';

const DAY_MS = 86_400_000;
/** Days read before the range, so that the 30-day average is whole from the range's first day. */
const LEAD_DAYS = 29;

/** `resting_heart_rate` → `Resting heart rate`; `blood.ldl_cholesterol` → `Blood: ldl cholesterol`. */
export function metricTitle(metric: string): string {
  const words = metric
    .replace(/^dev\./, 'developer field ')
    .replace(/\./g, ': ')
    .replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A metric of one user over a date range as an SVG chart. */
@Injectable()
export class ChartService {
  constructor(private readonly repository: ChartRepository) {}

  async render(userId: string, request: MetricChartRequest): Promise<string> {
    const spec = metricSpec(request.metric);
    if (!spec) throw new DomainError(ErrorCode.NotFound, `No metric named ${request.metric}`);
    const fromMs = Date.parse(request.from);
    const toMs = Date.parse(request.to);
    const isMarker = request.metric.startsWith(BLOOD_MARKER_PREFIX);
    const [values, latest] = await Promise.all([
      this.repository.dailySeries(
        userId,
        request.metric,
        new Date(fromMs - LEAD_DAYS * DAY_MS),
        new Date(toMs),
        spec.aggregation === 'sum',
      ),
      isMarker ? this.repository.latestSample(userId, request.metric, new Date(toMs + DAY_MS)) : null,
    ]);
    let band: ReferenceBand | undefined;
    if (isMarker) {
      const { low, high } = referenceOf({
        metric: request.metric,
        value: latest?.value ?? 0,
        details: latest?.details ?? null,
      });
      if (low !== null || high !== null) band = { low, high, label: 'Reference range' };
    }
    return renderMetricChart({
      title: metricTitle(request.metric),
      unit: spec.unit,
      fromMs,
      toMs,
      values,
      // Blood results are weeks apart: their rolling averages would say little.
      average7: isMarker ? [] : rollingAverage(values, 7),
      average30: isMarker ? [] : rollingAverage(values, 30),
      band,
    });
  }
}
