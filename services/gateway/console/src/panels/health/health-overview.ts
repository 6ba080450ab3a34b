import type { BloodMarker, HealthOverview, OverviewMetric } from '@conduit/contracts';
import { dataTable, h } from '../../ui/dom';

/** The overview's single metrics, with the names shown for them. */
function overviewMetrics(overview: HealthOverview): Array<[string, OverviewMetric]> {
  return [
    ['Sleep (min)', overview.sleep.duration],
    ['Sleep score', overview.sleep.score],
    ['Resting heart rate', overview.restingHeartRate],
    [`HRV (${overview.hrv.status.replace('_', ' ')})`, overview.hrv],
    ['Stress', overview.stress],
    ['Body battery', overview.bodyBattery],
    ['Steps', overview.steps],
    ['Intensity minutes', overview.intensityMinutes],
    [
      `Training readiness${overview.trainingReadiness.computed ? ' (computed)' : ''}`,
      overview.trainingReadiness,
    ],
    ['Weight', overview.bodyComposition.weight],
    ['Body fat', overview.bodyComposition.bodyFat],
  ];
}

const ARROWS = { up: '↑', down: '↓', flat: '→' } as const;

/** The metrics that have data, for charting: the overview's, then the blood markers'. */
export function chartableMetrics(overview: HealthOverview): string[] {
  return [
    ...overviewMetrics(overview)
      .filter(([, metric]) => metric.latest !== null)
      .map(([, metric]) => metric.metric),
    ...overview.bloodMarkers.map((marker) => marker.metric),
  ];
}

/** The overview: the metrics with data as a definition list, and a table of blood markers. */
export function overviewView(overview: HealthOverview): HTMLElement {
  const withData = overviewMetrics(overview).filter(([, metric]) => metric.latest !== null);
  if (withData.length === 0 && overview.bloodMarkers.length === 0) {
    return h('p', { class: 'muted' }, `No health data up to ${overview.date} yet: add a file above.`);
  }
  return h(
    'div',
    { class: 'health-overview' },
    withData.length > 0 &&
      h(
        'dl',
        { class: 'health-overview__metrics' },
        ...withData.flatMap(([label, metric]) => [h('dt', {}, label), h('dd', {}, describe(metric))]),
      ),
    overview.bloodMarkers.length > 0 &&
      h('div', { class: 'table-scroll' }, bloodTable(overview.bloodMarkers)),
  );
}

function describe(metric: OverviewMetric): string {
  const latest = metric.latest!;
  const averages = (
    [
      ['7d', metric.average7],
      ['30d', metric.average30],
      ['90d', metric.average90],
    ] as const
  )
    .flatMap(([label, value]) => (value === null ? [] : [`${label} ${round(value)}`]))
    .join(' · ');
  const direction = metric.direction ? ` ${ARROWS[metric.direction]}` : '';
  return `${round(latest.value)} ${metric.unit} on ${latest.day}${direction}${averages ? ` (${averages})` : ''}`;
}

function bloodTable(markers: readonly BloodMarker[]): HTMLTableElement {
  return dataTable(
    { text: 'Blood markers (latest result)' },
    ['Marker', 'Value', 'Range', 'Flag', 'Measured'],
    h(
      'tbody',
      {},
      ...markers.map((marker) =>
        h(
          'tr',
          { class: marker.flag && marker.flag !== 'normal' ? `flag-${marker.flag}` : null },
          h('td', {}, marker.metric.replace(/^blood\./, '')),
          h('td', {}, `${round(marker.value)} ${marker.unit}`),
          h('td', {}, range(marker)),
          h('td', {}, marker.flag ?? ''),
          h('td', {}, marker.measuredAt.slice(0, 10)),
        ),
      ),
    ),
    { class: 'health-overview__blood' },
  );
}

function range(marker: BloodMarker): string {
  if (marker.referenceLow === null && marker.referenceHigh === null) return '';
  return `${marker.referenceLow ?? ''}–${marker.referenceHigh ?? ''}`;
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}
