import type { Agent, RunStreamEvent } from '@conduit/contracts';
import './agents.css';
import type { ApiClient } from '../../api/client';
import { field, h, messageOf, replace, statusLine, uid } from '../../ui/dom';
import type { Panel } from '../panel';
import { RunLog } from './run-log';

/**
 * The built-in tools (README, Agent tools); `http_fetch` and `place_call` work only where the operator
 * enabled them.
 */
const BUILT_IN_TOOLS = [
  'calculator',
  'current_time',
  'search_documents',
  'remember',
  'generate_image',
  'health_summary',
  'http_fetch',
  'place_call',
];

/** The agents service's default, which needs no provider key (OFFLINE_AGENT_MODEL in the contracts). */
const OFFLINE_AGENT_MODEL = 'offline/echo-tools';

/** Suggested models; any `provider/model` the agents service knows may be typed. */
const MODELS = [OFFLINE_AGENT_MODEL, 'openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5'];

/** Your agents: list, create (name, instructions, model, tools), and run one with its steps shown live. */
export const agentsPanel: Panel = {
  id: 'agents',
  title: 'Agents',
  mount(root, { api, signal }) {
    const runner = runSection(api, signal);
    const list = listSection(api, signal, runner.select);
    root.append(list.element, createSection(api, list.reload, runner.select), runner.element);
    return runner.cancel;
  },
};

function listSection(api: ApiClient, signal: AbortSignal, select: (agent: Agent) => void) {
  const status = statusLine();
  const list = h('ul', { class: 'agent-list' });
  const reload = async (selected?: string) => {
    const { data } = await api.json<{ data: Agent[] }>('/api/v1/agents?limit=100', { signal });
    replace(
      list,
      ...(data.length === 0 ? [h('li', { class: 'muted' }, 'No agents yet: create one below.')] : []),
      ...data.map((agent) => {
        const choose = h('button', { type: 'button', class: 'secondary' }, `Run ${agent.name}`);
        choose.addEventListener('click', () => select(agent));
        const tools = agent.tools.length ? agent.tools.join(', ') : 'no tools';
        return h('li', {}, choose, ' ', h('span', { class: 'muted' }, `${agent.model} · ${tools}`));
      }),
    );
    const chosen = data.find((agent) => agent.id === selected);
    if (chosen) select(chosen);
  };
  reload().catch((error: unknown) => status.show(messageOf(error), 'error'));
  return {
    element: h('div', { class: 'card' }, h('h3', {}, 'Your agents'), status.element, list),
    reload: (selected?: string) =>
      reload(selected).catch((error: unknown) => status.show(messageOf(error), 'error')),
  };
}

function createSection(
  api: ApiClient,
  reload: (selected?: string) => Promise<void>,
  select: (agent: Agent) => void,
) {
  const name = h('input', { name: 'agent-name', required: true, maxlength: 100 });
  const instructions = h('textarea', { name: 'agent-instructions', rows: 3, maxlength: 20_000 });
  const modelsId = uid('models');
  const model = h('input', {
    name: 'agent-model',
    list: modelsId,
    value: OFFLINE_AGENT_MODEL,
    required: true,
  });
  const tools = BUILT_IN_TOOLS.map((tool) =>
    h('input', { type: 'checkbox', name: 'agent-tools', value: tool }),
  );
  const status = statusLine();
  const form = h(
    'form',
    { 'aria-label': 'Create an agent' },
    field('Name', name),
    field('Instructions', instructions),
    field('Model', model),
    h('datalist', { id: modelsId }, ...MODELS.map((value) => h('option', { value }))),
    h(
      'fieldset',
      { class: 'row' },
      h('legend', {}, 'Tools'),
      ...tools.map((box) => h('label', {}, box, ` ${box.value}`)),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create agent')),
    status.element,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    status.clear();
    const body = {
      name: name.value,
      instructions: instructions.value,
      model: model.value.trim(),
      tools: tools.filter((box) => box.checked).map((box) => box.value),
    };
    api
      .json<Agent>('/api/v1/agents', { body })
      .then(async (agent) => {
        form.reset();
        status.show(`Created ${agent.name}.`);
        await reload();
        select(agent);
      })
      .catch((error: unknown) => status.show(messageOf(error), 'error'));
  });
  return h('div', { class: 'card' }, h('h3', {}, 'New agent'), form);
}

/** The run in progress: how to stop reading it, and its id once `run.started` said it. */
interface ActiveRun {
  abort: AbortController;
  runId?: string;
}

function runSection(api: ApiClient, panelSignal: AbortSignal) {
  let agent: Agent | null = null;
  let running: ActiveRun | null = null;
  const heading = h('h3', {}, 'Run an agent');
  const hint = h('p', { class: 'muted' }, 'Choose an agent above.');
  const input = h('textarea', {
    name: 'run-input',
    rows: 3,
    maxlength: 32_000,
    required: true,
    disabled: true,
  });
  const run = h('button', { type: 'submit', disabled: true }, 'Run');
  const cancel = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Cancel run');
  const status = statusLine();
  const log = h('div', { class: 'run-log-holder' });
  const form = h(
    'form',
    { 'aria-label': 'Run the agent' },
    field('Input', input),
    h('div', { class: 'actions' }, run, cancel),
  );

  const setRunning = (value: ActiveRun | null) => {
    running = value;
    run.disabled = input.disabled = value !== null || agent === null;
    cancel.disabled = value === null;
  };
  const select = (chosen: Agent) => {
    agent = chosen;
    heading.textContent = `Run ${chosen.name}`;
    hint.textContent = `${chosen.model}; tools: ${chosen.tools.join(', ') || 'none'}. The offline model calls a tool for a line "call <tool> {json}".`;
    setRunning(running);
    input.focus();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!agent || running) return;
    const abort = new AbortController();
    const entry: ActiveRun = { abort };
    setRunning(entry);
    status.show('Running…');
    const runLog = new RunLog();
    replace(log, runLog.element);
    const signal = AbortSignal.any([abort.signal, panelSignal]);
    void (async () => {
      try {
        const { events } = await api.sse<RunStreamEvent>(
          `/api/v1/agents/${encodeURIComponent(agent!.id)}/runs`,
          {
            body: { input: input.value },
            signal,
          },
        );
        for await (const { data } of events) {
          if (data.type === 'run.started') entry.runId = data.runId;
          runLog.add(data);
          if (data.type === 'done') status.show(`Finished: ${data.status}.`);
          if (data.type === 'error') status.show(data.error.message, 'error');
        }
      } catch (error) {
        if (!signal.aborted) status.show(messageOf(error), 'error');
      } finally {
        if (running === entry) setRunning(null);
      }
    })();
  });
  cancel.addEventListener('click', () => {
    const runId = running?.runId;
    if (!runId) return running?.abort.abort();
    cancel.disabled = true;
    api
      .json(`/api/v1/streams/${encodeURIComponent(runId)}`, { method: 'DELETE' })
      .catch((error: unknown) => status.show(messageOf(error), 'error'));
  });
  return {
    element: h('div', { class: 'card' }, heading, hint, form, status.element, log),
    select,
    cancel: () => running?.abort.abort(),
  };
}
