import type { Document, Highlight, SearchResponse } from '@conduit/contracts';
import type { ApiClient } from '../api/client';
import { dataTable, field, h, messageOf, replace, statusLine } from '../ui/dom';
import type { Panel } from './panel';

/** How often the document list is read again while something is still being indexed. */
const INDEXING_POLL_MS = 1000;

/** Upload files, watch them being indexed, query in each mode with the matches highlighted. */
export const searchPanel: Panel = {
  id: 'search',
  title: 'Search',
  mount(root, { api, signal }) {
    root.append(uploadSection(api, signal), querySection(api, signal));
  },
};

function uploadSection(api: ApiClient, signal: AbortSignal): HTMLElement {
  const file = h('input', {
    type: 'file',
    name: 'file',
    required: true,
    accept: '.txt,.md,.html,.htm,.pdf,text/*,application/pdf',
  });
  const collection = h('input', { name: 'collection', placeholder: 'default' });
  const status = statusLine();
  const list = h('tbody');
  let timer: ReturnType<typeof setTimeout> | undefined;
  signal.addEventListener('abort', () => clearTimeout(timer));

  const load = async () => {
    clearTimeout(timer);
    const { data } = await api.json<{ data: Document[] }>('/api/v1/search/documents?limit=20', { signal });
    replace(
      list,
      ...(data.length === 0
        ? [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No documents yet.'))]
        : []),
      ...data.map((document) =>
        h(
          'tr',
          {},
          h('td', {}, document.title ?? document.id),
          h('td', {}, document.collection),
          h(
            'td',
            { class: `doc-status ${document.status}` },
            document.status === 'failed' ? `failed: ${document.failureReason ?? ''}` : document.status,
          ),
          h('td', {}, document.status === 'indexed' ? `${document.chunkCount} chunks` : ''),
        ),
      ),
    );
    if (data.some((document) => document.status === 'pending') && !signal.aborted) {
      timer = setTimeout(
        () => void load().catch((error: unknown) => status.show(messageOf(error), 'error')),
        INDEXING_POLL_MS,
      );
    }
  };

  const form = h(
    'form',
    { class: 'row', 'aria-label': 'Upload a document' },
    field('File', file),
    field('Collection', collection),
    h('button', { type: 'submit' }, 'Upload'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return status.show('Choose a file first.', 'error');
    const body = new FormData();
    body.append('file', chosen, chosen.name);
    body.append('title', chosen.name);
    if (collection.value.trim()) body.append('collection', collection.value.trim());
    status.show(`Uploading ${chosen.name}…`);
    api
      .json<{ id: string; status: string }>('/api/v1/search/files', { body })
      .then(() => {
        status.show(`${chosen.name} accepted: indexing.`);
        form.reset();
        return load();
      })
      .catch((error: unknown) => status.show(messageOf(error), 'error'));
  });
  load().catch((error: unknown) => status.show(messageOf(error), 'error'));
  return h(
    'div',
    { class: 'card' },
    h('h3', {}, 'Documents'),
    form,
    status.element,
    dataTable(
      { text: 'Your documents', hiddenCaption: true },
      ['Title', 'Collection', 'Status', 'Index'],
      list,
    ),
  );
}

function querySection(api: ApiClient, signal: AbortSignal): HTMLElement {
  const query = h('input', { type: 'search', name: 'query', required: true });
  const mode = h(
    'select',
    { name: 'mode' },
    h('option', { value: 'hybrid' }, 'Hybrid'),
    h('option', { value: 'semantic' }, 'Semantic'),
    h('option', { value: 'keyword' }, 'Keyword'),
  );
  const status = statusLine();
  const results = h('ol', { class: 'results', 'aria-label': 'Results' });
  const form = h(
    'form',
    { class: 'row', role: 'search', 'aria-label': 'Search your documents' },
    field('Query', query),
    field('Mode', mode),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    status.clear();
    api
      .json<SearchResponse>('/api/v1/search/query', {
        body: { query: query.value, mode: mode.value },
        signal,
      })
      .then((answer) => {
        status.show(`${answer.results.length} results (${answer.mode}).`);
        replace(
          results,
          ...answer.results.map((result) =>
            h(
              'li',
              { class: 'result' },
              h(
                'div',
                { class: 'meta' },
                h('strong', {}, result.title ?? result.documentId),
                h('span', { class: 'muted' }, ` ${result.collection} · score ${result.score.toFixed(3)}`),
              ),
              h('p', { class: 'snippet' }, ...highlighted(result.snippet, result.highlights)),
            ),
          ),
        );
      })
      .catch((error: unknown) => status.show(messageOf(error), 'error'));
  });
  return h('div', { class: 'card' }, h('h3', {}, 'Query'), form, status.element, results);
}

/** The snippet as text nodes, with each highlighted range in a `<mark>`. */
export function highlighted(snippet: string, highlights: Highlight[]): (string | HTMLElement)[] {
  const parts: (string | HTMLElement)[] = [];
  let at = 0;
  for (const { start, end } of [...highlights].sort((a, b) => a.start - b.start)) {
    if (start < at || end <= start) continue;
    if (start > at) parts.push(snippet.slice(at, start));
    parts.push(h('mark', {}, snippet.slice(start, end)));
    at = end;
  }
  if (at < snippet.length) parts.push(snippet.slice(at));
  return parts;
}
