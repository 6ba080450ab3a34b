import type { AcceptedImport, HealthImport, HealthOverview } from '@conduit/contracts';
import './health.css';
import type { ApiClient } from '../../api/client';
import { ApiError } from '../../api/errors';
import { field, h, messageOf, replace, statusLine } from '../../ui/dom';
import type { Panel } from '../panel';
import { chartableMetrics, overviewView } from './health-overview';

/** Charts drawn at most at once (the metrics with data, overview order first). */
const MAX_CHARTS = 8;

/** Your health overview, a chart per metric with data, and an upload of blood tests or FIT files. */
export const healthPanel: Panel = {
  id: 'health',
  title: 'Health',
  mount(root, { api, signal }) {
    const overview = h('div', {}, h('p', { class: 'muted' }, 'Loading the overview…'));
    const charts = new ChartGrid(api, signal);
    const status = statusLine();
    const load = async () => {
      const data = await api.json<HealthOverview>('/api/v1/health/overview', { signal });
      replace(overview, overviewView(data));
      await charts.show(chartableMetrics(data).slice(0, MAX_CHARTS));
    };
    const reload = () => load().catch((error: unknown) => status.show(messageOf(error), 'error'));
    void reload();
    root.append(
      uploadSection(api, signal, reload),
      h('div', { class: 'card' }, h('h3', {}, 'Overview'), status.element, overview),
      h('div', { class: 'card' }, h('h3', {}, 'Charts (last 90 days)'), charts.element),
    );
    return () => charts.clear();
  },
};

/** Each metric's SVG chart, fetched with the credentials and shown from a blob: URL in an <img>. */
class ChartGrid {
  readonly element = h(
    'div',
    { class: 'health-charts' },
    h('p', { class: 'muted' }, 'No data to chart yet.'),
  );
  private urls: string[] = [];

  constructor(
    private readonly api: ApiClient,
    private readonly signal: AbortSignal,
  ) {}

  async show(metrics: string[]): Promise<void> {
    const figures = await Promise.all(metrics.map((metric) => this.figure(metric)));
    this.clear();
    this.urls = figures.flatMap((figure) => (figure.url ? [figure.url] : []));
    if (figures.length === 0) replace(this.element, h('p', { class: 'muted' }, 'No data to chart yet.'));
    else replace(this.element, ...figures.map((figure) => figure.element));
  }

  clear(): void {
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
  }

  private async figure(metric: string): Promise<{ element: HTMLElement; url?: string }> {
    const caption = h('figcaption', {}, metric);
    try {
      const response = await this.api.request(`/api/v1/health/charts/${encodeURIComponent(metric)}.svg`, {
        signal: this.signal,
      });
      // An SVG shown as an image runs no script and loads nothing: the safe way to show markup we did not write.
      const url = URL.createObjectURL(await response.blob());
      const image = h('img', {
        src: url,
        alt: `Chart of ${metric} over the last 90 days`,
        'data-metric': metric,
      });
      return { element: h('figure', { class: 'health-chart' }, image, caption), url };
    } catch (error) {
      return {
        element: h(
          'figure',
          { class: 'health-chart' },
          h('p', { class: 'status error' }, messageOf(error)),
          caption,
        ),
      };
    }
  }
}

/** What an upload is, and where it goes (`/api/v1/health/uploads/<kind>`). */
const UPLOAD_KINDS = [
  { kind: 'blood-tests', label: 'Blood test results (CSV or JSON)' },
  { kind: 'fit', label: 'Garmin FIT file, or a zip of them' },
  { kind: 'apple-health', label: 'Apple Health export (export.zip or export.xml)' },
] as const;

/** The kind a file most likely is, by its name (the user can pick another). */
function likelyKind(name: string): (typeof UPLOAD_KINDS)[number]['kind'] {
  if (/\.xml$/i.test(name) || /export.*\.zip$/i.test(name)) return 'apple-health';
  if (/\.(fit|zip)$/i.test(name)) return 'fit';
  return 'blood-tests';
}

function uploadSection(api: ApiClient, signal: AbortSignal, uploaded: () => Promise<unknown>): HTMLElement {
  const file = h('input', {
    type: 'file',
    name: 'health-file',
    accept: '.csv,.json,.fit,.zip,.xml',
    required: true,
  });
  const kind = h(
    'select',
    { name: 'health-file-kind' },
    ...UPLOAD_KINDS.map((option) => h('option', { value: option.kind }, option.label)),
  );
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen) kind.value = likelyKind(chosen.name);
  });
  const status = statusLine();
  const submit = h('button', { type: 'submit' }, 'Upload');
  const form = h(
    'form',
    { 'aria-label': 'Upload health data' },
    field('Health data file: blood tests, Garmin FIT or an Apple Health export', file),
    field('What it is', kind),
    h(
      'p',
      { class: 'muted' },
      'A blood test CSV has the header ',
      h('code', {}, 'analyte,value,unit,date,lab,reference_range'),
      ' and a row per result, e.g. ',
      h('code', {}, 'glucose,92,mg/dL,2026-11-30,,70-99'),
      '. An Apple Health export is what the Health app shares (Export All Health Data).',
    ),
    h('div', { class: 'actions' }, submit),
    status.element,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return;
    const body = new FormData();
    body.append('file', chosen);
    submit.disabled = true;
    status.show(`Uploading ${chosen.name}…`);
    void (async () => {
      try {
        const accepted = await api.json<AcceptedImport>(`/api/v1/health/uploads/${kind.value}`, {
          body,
          signal,
        });
        status.show('Uploaded; importing…');
        const done = await finished(api, accepted.importId, signal);
        if (done.status === 'failed')
          status.show(`The import failed: ${done.failureReason ?? 'unknown reason'}`, 'error');
        else {
          const rejected = done.rejectedCount
            ? ` ${done.rejectedCount} rejected (${done.rejections.map((r) => `${r.item}: ${r.reason}`).join('; ')}).`
            : '';
          status.show(`Imported: ${done.samplesStored} samples stored.${rejected}`);
          form.reset();
          await uploaded();
        }
      } catch (error) {
        if (!signal.aborted) status.show(messageOf(error), 'error');
      } finally {
        submit.disabled = false;
      }
    })();
  });
  return h('div', { class: 'card' }, h('h3', {}, 'Add data'), form);
}

/** Polls an import until it has succeeded or failed (404 until the service has taken it from its queue). */
async function finished(api: ApiClient, importId: string, signal: AbortSignal): Promise<HealthImport> {
  for (let wait = 200; ; wait = Math.min(wait * 1.5, 2_000)) {
    try {
      const current = await api.json<HealthImport>(`/api/v1/health/imports/${encodeURIComponent(importId)}`, {
        signal,
      });
      if (current.status === 'succeeded' || current.status === 'failed') return current;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    signal.throwIfAborted();
  }
}
