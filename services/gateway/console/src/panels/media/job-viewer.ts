import type { JobStreamEvent, MediaJob, MediaResult } from '@conduit/contracts';
import type { ApiClient } from '../../api/client';
import { h, messageOf, replace, statusLine } from '../../ui/dom';
import type { JobRef } from './image-form';
import { type JobProgress, progressOf, progressOfJob } from './job-progress';

/**
 * The job being looked at: followed live over SSE (`queued`, `running` with its percent, then how it
 * ended), with a Cancel button while it may still run, and its results once it succeeded. Result files
 * are read through their signed URLs with the credentials (the file route needs them) and shown from
 * blob: URLs, which the console's CSP allows for images and media.
 */
export class JobViewer {
  private readonly heading = h('h3', {}, 'Job');
  private readonly summary = h('p', { class: 'muted' }, 'Start a job above, or show one of your jobs below.');
  private readonly bar = h('progress', { class: 'media-progress', max: 100, 'aria-label': 'Job progress' });
  private readonly status = statusLine();
  private readonly cancelButton = h(
    'button',
    { type: 'button', class: 'secondary', disabled: true },
    'Cancel job',
  );
  private readonly actions = h('div', { class: 'actions', hidden: true }, this.cancelButton);
  private readonly results = h('div', { class: 'media-results' });
  readonly element = h(
    'div',
    { class: 'card media-job', 'aria-busy': 'false' },
    this.heading,
    this.summary,
    this.bar,
    this.status.element,
    this.actions,
    this.results,
  );
  private following: { job: JobRef; abort: AbortController } | null = null;
  private urls: string[] = [];

  constructor(
    private readonly api: ApiClient,
    private readonly panelSignal: AbortSignal,
    /** Told when a followed job ends, so the list can show it. */
    private readonly ended: () => void,
  ) {
    this.bar.hidden = true;
    this.cancelButton.addEventListener('click', () => void this.cancel());
  }

  follow(job: JobRef): void {
    this.close();
    const entry = { job, abort: new AbortController() };
    this.following = entry;
    this.heading.textContent = `Job: ${job.prompt}`;
    this.summary.textContent = `${job.model} · ${job.size}`;
    replace(this.results);
    this.actions.hidden = false;
    this.show({ status: 'queued', percent: null, message: 'Connecting…', finished: false, results: [] });
    void this.watch(entry);
  }

  /** Stops following (the job itself goes on) and frees the shown files. */
  close(): void {
    this.following?.abort.abort();
    this.following = null;
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
  }

  private async watch(entry: NonNullable<JobViewer['following']>): Promise<void> {
    const signal = AbortSignal.any([entry.abort.signal, this.panelSignal]);
    const path = `/api/v1/media/jobs/${encodeURIComponent(entry.job.id)}`;
    let last: JobProgress | null = null;
    try {
      const { events } = await this.api.sse<JobStreamEvent>(`${path}/events`, { signal });
      for await (const { data } of events) {
        last = progressOf(data);
        this.show(last);
        if (last.finished) break;
      }
      // The stream ended without the outcome (the gateway restarting…): read where the job stands.
      if (!last?.finished && !signal.aborted) {
        last = progressOfJob(await this.api.json<MediaJob>(path, { signal }));
        this.show(last);
      }
      if (last?.results.length && !signal.aborted) await this.showResults(entry.job, last.results, signal);
    } catch (error) {
      if (!signal.aborted) this.status.show(messageOf(error), 'error');
    } finally {
      if (this.following === entry) this.cancelButton.disabled = true;
      this.element.setAttribute('aria-busy', 'false');
      if (last?.finished && !signal.aborted) this.ended();
    }
  }

  private show(progress: JobProgress): void {
    this.element.dataset.status = progress.status;
    this.element.setAttribute('aria-busy', String(!progress.finished));
    this.status.show(
      progress.message,
      progress.status === 'failed' || progress.status === 'error' ? 'error' : 'info',
    );
    this.bar.hidden = progress.finished && progress.status !== 'succeeded';
    // No value: the indeterminate bar of a job whose provider tells no percent.
    if (progress.percent === null) this.bar.removeAttribute('value');
    else this.bar.value = progress.percent;
    this.cancelButton.disabled = progress.finished;
    this.actions.hidden = progress.finished;
  }

  private async cancel(): Promise<void> {
    const current = this.following;
    if (!current) return;
    this.cancelButton.disabled = true;
    this.status.show('Cancelling…');
    try {
      await this.api.json(`/api/v1/media/jobs/${encodeURIComponent(current.job.id)}/cancel`, {
        method: 'POST',
        signal: this.panelSignal,
      });
    } catch (error) {
      if (!this.panelSignal.aborted) this.status.show(messageOf(error), 'error');
    }
  }

  private async showResults(job: JobRef, results: MediaResult[], signal: AbortSignal): Promise<void> {
    const figures = await Promise.all(
      results.map((result, index) => this.figure(job, result, index, signal)),
    );
    if (!signal.aborted) replace(this.results, ...figures);
  }

  private async figure(
    job: JobRef,
    result: MediaResult,
    index: number,
    signal: AbortSignal,
  ): Promise<HTMLElement> {
    const caption = h('figcaption', {}, describe(result, index));
    // A storage's own presigned URL (another origin) is outside the console's CSP: offer it as a link.
    if (new URL(result.url, location.href).origin !== location.origin) {
      return h(
        'figure',
        { class: 'media-result' },
        h('a', { href: result.url, rel: 'noreferrer' }, 'Open the file'),
        caption,
      );
    }
    try {
      const response = await this.api.request(result.url, { signal });
      const url = URL.createObjectURL(await response.blob());
      this.urls.push(url);
      const alt = `Result ${index + 1} of “${job.prompt}”`;
      const media = result.contentType.startsWith('video/')
        ? h('video', { src: url, controls: true, 'aria-label': alt, 'data-result-index': index })
        : h('img', { src: url, alt, 'data-result-index': index });
      const name = `${job.id}-${index}.${result.contentType.split('/')[1] ?? 'bin'}`;
      return h(
        'figure',
        { class: 'media-result' },
        media,
        caption,
        h('a', { href: url, download: name, 'aria-label': `Download result ${index + 1}` }, 'Download'),
      );
    } catch (error) {
      return h(
        'figure',
        { class: 'media-result' },
        h('p', { class: 'status error' }, messageOf(error)),
        caption,
      );
    }
  }
}

/** "1024×1024 PNG, 312 kB, placeholder" from what the result says of itself. */
function describe(result: MediaResult, index: number): string {
  const { width, height, placeholder } = result.metadata;
  const size = typeof width === 'number' && typeof height === 'number' ? `${width}×${height} ` : '';
  const type = (result.contentType.split('/')[1] ?? result.contentType).toUpperCase();
  const kB = Math.max(1, Math.round(result.bytes / 1024));
  return `#${index + 1}: ${size}${type}, ${kB} kB${placeholder === true ? ', offline placeholder' : ''}`;
}
