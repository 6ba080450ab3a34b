import type { Budget, UsageSummary } from '@conduit/contracts';
import type { ApiClient } from '../api/client';
import { barChart } from '../ui/charts';
import { dataTable, field, h, messageOf, replace, statusLine } from '../ui/dom';
import type { Panel } from './panel';

interface ApiKeyView {
  id: string;
  name: string;
  displayPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface CreatedApiKey extends ApiKeyView {
  key: string;
}

/** API keys (create, see once, revoke), budgets, and usage by day and by model. */
export const accountPanel: Panel = {
  id: 'account',
  title: 'Account',
  mount(root, { api, signal }) {
    root.append(keysSection(api, signal), budgetsSection(api, signal), usageSection(api, signal));
  },
};

function keysSection(api: ApiClient, signal: AbortSignal): HTMLElement {
  const name = h('input', {
    name: 'key-name',
    required: true,
    maxlength: 100,
    placeholder: 'e.g. build server',
  });
  const status = statusLine();
  const reveal = h('div', { class: 'reveal' });
  const list = h('tbody');
  const load = async () => {
    const { data } = await api.json<{ data: ApiKeyView[] }>('/api/v1/api-keys', { signal });
    replace(
      list,
      ...(data.length === 0 ? [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No keys yet.'))] : []),
      ...data.map((key) => {
        const revoke = h(
          'button',
          { type: 'button', class: 'secondary', 'aria-label': `Revoke ${key.name}` },
          'Revoke',
        );
        revoke.addEventListener('click', () => {
          revoke.disabled = true;
          api
            .json(`/api/v1/api-keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' })
            .then(() => {
              status.show(`Revoked ${key.name}.`);
              return load();
            })
            .catch((error: unknown) => {
              revoke.disabled = false;
              status.show(messageOf(error), 'error');
            });
        });
        return h(
          'tr',
          {},
          h('td', {}, key.name),
          h('td', { class: 'mono' }, `${key.displayPrefix}…`),
          h('td', {}, key.lastUsedAt ? new Date(key.lastUsedAt).toLocaleString() : 'never'),
          h('td', {}, revoke),
        );
      }),
    );
  };
  const form = h(
    'form',
    { class: 'row', 'aria-label': 'Create an API key' },
    field('Key name', name),
    h('button', { type: 'submit' }, 'Create key'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    status.clear();
    api
      .json<CreatedApiKey>('/api/v1/api-keys', { body: { name: name.value } })
      .then((created) => {
        name.value = '';
        const secret = h('code', { class: 'secret' }, created.key);
        const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
        copy.addEventListener(
          'click',
          () => void navigator.clipboard?.writeText(created.key).then(() => (copy.textContent = 'Copied')),
        );
        replace(
          reveal,
          h(
            'div',
            { class: 'card', role: 'status' },
            h('p', {}, `Your new key “${created.name}” — copy it now, it is shown only once:`),
            h('p', {}, secret, ' ', copy),
          ),
        );
        return load();
      })
      .catch((error: unknown) => status.show(messageOf(error), 'error'));
  });
  load().catch((error: unknown) => status.show(messageOf(error), 'error'));
  return h(
    'div',
    { class: 'card' },
    h('h3', {}, 'API keys'),
    form,
    reveal,
    status.element,
    dataTable(
      { text: 'Your API keys', hiddenCaption: true },
      ['Name', 'Key', 'Last used', h('span', { class: 'visually-hidden' }, 'Actions')],
      list,
    ),
  );
}

function budgetsSection(api: ApiClient, signal: AbortSignal): HTMLElement {
  const period = h(
    'select',
    { name: 'period' },
    h('option', { value: 'day' }, 'Day'),
    h('option', { value: 'month', selected: true }, 'Month'),
  );
  const usd = h('input', { name: 'limit-usd', type: 'number', min: 0, step: 'any', inputmode: 'decimal' });
  const tokens = h('input', { name: 'limit-tokens', type: 'number', min: 1, step: 1, inputmode: 'numeric' });
  const status = statusLine();
  const list = h('ul', { class: 'budgets' });
  const load = async () => {
    const { data } = await api.json<{ data: Budget[] }>('/api/v1/budgets', { signal });
    replace(
      list,
      ...(data.length === 0 ? [h('li', { class: 'muted' }, 'No budget: spending is not limited.')] : []),
      ...data.map((budget) => {
        const limits = [
          budget.limitUsd !== null && `$${budget.limitUsd}`,
          budget.limitTokens !== null && `${budget.limitTokens} tokens`,
        ]
          .filter(Boolean)
          .join(' and ');
        const who =
          budget.scope === 'user'
            ? budget.source === 'deployment'
              ? 'Deployment default'
              : 'You'
            : `Key ${budget.apiKeyId ?? ''}`;
        const spent = `spent $${budget.spentUsd.toFixed(4)} and ${budget.spentTokens} tokens; resets ${new Date(budget.resetsAt).toLocaleString()}`;
        const item = h('li', {}, `${who}: ${limits} per ${budget.period} — ${spent} `);
        if (budget.scope === 'user' && budget.source === 'user') {
          const remove = h('button', { type: 'button', class: 'secondary' }, 'Remove');
          remove.addEventListener('click', () => {
            api
              .json('/api/v1/budgets/user', { method: 'DELETE' })
              .then(load)
              .catch((error: unknown) => status.show(messageOf(error), 'error'));
          });
          item.append(remove);
        }
        return item;
      }),
    );
  };
  const form = h(
    'form',
    { class: 'row', 'aria-label': 'Set your budget' },
    field('Period', period),
    field('Limit (USD)', usd),
    field('Limit (tokens)', tokens),
    h('button', { type: 'submit' }, 'Set budget'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    status.clear();
    const body: Record<string, unknown> = { period: period.value };
    if (usd.value) body.limitUsd = Number(usd.value);
    if (tokens.value) body.limitTokens = Number(tokens.value);
    api
      .json('/api/v1/budgets/user', { method: 'PUT', body })
      .then(() => {
        status.show('Budget saved.');
        return load();
      })
      .catch((error: unknown) => status.show(messageOf(error), 'error'));
  });
  load().catch((error: unknown) => status.show(messageOf(error), 'error'));
  return h('div', { class: 'card' }, h('h3', {}, 'Budgets'), list, form, status.element);
}

function usageSection(api: ApiClient, signal: AbortSignal): HTMLElement {
  const body = h('div', { class: 'usage' }, h('p', { class: 'muted' }, 'Loading usage…'));
  api
    .json<UsageSummary>('/api/v1/usage?groupBy=day,model', { signal })
    .then((usage) => {
      const { totals } = usage;
      replace(
        body,
        h(
          'p',
          {},
          `This month: ${totals.requests} requests, ${totals.inputTokens + totals.outputTokens} tokens, $${totals.costUsd.toFixed(4)}.`,
        ),
        h('h4', {}, 'Tokens by day'),
        barChart({
          title: 'Tokens by day',
          data: (usage.byDay ?? []).map((day) => ({
            label: day.day.slice(5),
            value: day.inputTokens + day.outputTokens,
          })),
        }),
        h('h4', {}, 'Requests by model'),
        barChart({
          title: 'Requests by model',
          orientation: 'horizontal',
          data: (usage.byModel ?? []).map((model) => ({ label: model.model, value: model.requests })),
        }),
      );
    })
    .catch((error: unknown) =>
      replace(body, h('p', { class: 'status error', role: 'alert' }, messageOf(error))),
    );
  return h('div', { class: 'card' }, h('h3', {}, 'Usage'), body);
}
