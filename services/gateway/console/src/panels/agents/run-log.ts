import type { RunStreamEvent } from '@conduit/contracts';
import { h } from '../../ui/dom';

/**
 * A run's events drawn as they arrive: a section per step with the model's streamed text, each tool
 * call with its arguments and, under it, its result (ok or the error, the output, the duration), the
 * step's finish; then the run's end with status, usage and cost. Text goes in as text, never markup.
 */
export class RunLog {
  readonly element = h('ol', { class: 'run-log', 'aria-live': 'polite' });
  private step: { item: HTMLLIElement; text: HTMLParagraphElement; tools: HTMLUListElement } | null = null;
  private readonly calls = new Map<string, HTMLLIElement>();

  add(event: RunStreamEvent): void {
    switch (event.type) {
      case 'run.started':
        this.note(`Run ${event.runId} on ${event.model}`, 'run-log__start');
        break;
      case 'step.started':
        this.startStep(`Step ${event.step}`);
        break;
      case 'delta':
        this.currentStep().text.append(event.text);
        break;
      case 'tool.call': {
        const call = h('li', { class: 'run-log__tool' }, h('strong', {}, event.name), code(event.arguments));
        this.currentStep().tools.append(call);
        this.calls.set(event.callId, call);
        break;
      }
      case 'tool.result': {
        const status = event.ok ? 'ok' : `error ${event.error?.code ?? ''}`;
        const result = h(
          'div',
          { class: `run-log__result run-log__result--${event.ok ? 'ok' : 'error'}` },
          h('span', {}, `${status} · ${Math.round(event.durationMs)} ms`),
          code(event.ok ? event.output : event.error?.message),
        );
        (this.calls.get(event.callId) ?? this.currentStep().tools).append(result);
        break;
      }
      case 'step.finished':
        this.currentStep().item.append(
          h(
            'p',
            {},
            `Finished: ${event.finishReason} · ${event.usage.inputTokens} in / ${event.usage.outputTokens} out tokens`,
          ),
        );
        this.step = null;
        break;
      case 'done':
        this.note(
          `Done: ${event.status} (${event.stopReason}) · ${event.steps} steps, ${event.toolCalls} tool calls · ` +
            `${event.usage.inputTokens + event.usage.outputTokens} tokens · $${event.costUsd.toFixed(6)}`,
          'run-log__done',
        );
        break;
      case 'error':
        this.note(`Error ${event.error.code}: ${event.error.message}`, 'run-log__error');
        break;
    }
  }

  private currentStep(): NonNullable<RunLog['step']> {
    return this.step ?? this.startStep('Step');
  }

  private startStep(title: string): NonNullable<RunLog['step']> {
    const text = h('p', { class: 'run-log__text' });
    const tools = h('ul', {});
    const item = h('li', { class: 'run-log__step' }, h('h4', {}, title), text, tools);
    this.element.append(item);
    this.step = { item, text, tools };
    return this.step;
  }

  private note(text: string, className: string): void {
    this.element.append(h('li', { class: className }, text));
  }
}

function code(value: unknown): HTMLPreElement {
  return h('pre', {}, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}
