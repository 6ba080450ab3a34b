import type { JobPage, MediaJob } from '@conduit/contracts';
import type { ApiClient } from '../../api/client';
import { h, messageOf, replace, statusLine } from '../../ui/dom';
import { CursorPages } from './cursor-pages';
import type { JobRef } from './image-form';
import { progressOfJob } from './job-progress';

const PAGE_SIZE = 10;

/** Your jobs, newest first, a page at a time; Show follows one in the job card. */
export class JobList {
  private readonly status = statusLine();
  private readonly list = h('ul', { class: 'media-jobs' });
  private readonly pageLabel = h('span', { class: 'muted' });
  private readonly newer = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Newer');
  private readonly older = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Older');
  private readonly pager = h(
    'div',
    { class: 'actions', role: 'group', 'aria-label': 'Job pages', hidden: true },
    this.newer,
    this.pageLabel,
    this.older,
  );
  private readonly pages = new CursorPages();
  readonly element = h(
    'div',
    { class: 'card' },
    h('h3', {}, 'Your jobs'),
    this.list,
    this.status.element,
    this.pager,
  );

  constructor(
    private readonly api: ApiClient,
    private readonly signal: AbortSignal,
    private readonly show: (job: JobRef) => void,
  ) {
    this.newer.addEventListener('click', () => {
      this.pages.back();
      void this.reload();
    });
    this.older.addEventListener('click', () => {
      this.pages.forward();
      void this.reload();
    });
  }

  /** Reads the current page again (after a job started or ended). */
  async reload(): Promise<void> {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.pages.current) query.set('cursor', this.pages.current);
    try {
      const page = await this.api.json<JobPage>(`/api/v1/media/jobs?${query}`, { signal: this.signal });
      this.pages.loaded(page.nextCursor);
      this.status.clear();
      replace(
        this.list,
        ...(page.data.length === 0 ? [h('li', { class: 'muted' }, 'No jobs yet.')] : []),
        ...page.data.map((job) => this.row(job)),
      );
    } catch (error) {
      if (!this.signal.aborted) this.status.show(messageOf(error), 'error');
    }
    this.newer.disabled = !this.pages.hasPrevious;
    this.older.disabled = !this.pages.hasNext;
    this.pageLabel.textContent = `Page ${this.pages.pageNumber}`;
    this.pager.hidden = !this.pages.hasPrevious && !this.pages.hasNext;
  }

  private row(job: MediaJob): HTMLElement {
    const ref: JobRef = { id: job.id, prompt: job.input.prompt, model: job.model, size: job.input.size };
    const show = h(
      'button',
      { type: 'button', class: 'secondary small', 'aria-label': `Show job: ${job.input.prompt}` },
      'Show',
    );
    show.addEventListener('click', () => this.show(ref));
    const state = progressOfJob(job);
    const created = new Date(job.createdAt).toLocaleString();
    return h(
      'li',
      { class: 'media-jobs__item', 'data-job-id': job.id },
      h(
        'div',
        { class: 'media-jobs__text' },
        h('span', { class: 'media-jobs__prompt' }, job.input.prompt),
        h('span', { class: 'muted' }, `${job.kind} · ${job.model} · ${job.input.size} · ${created}`),
        h('span', { class: `media-jobs__status media-status--${state.status}` }, state.message),
      ),
      show,
    );
  }
}
