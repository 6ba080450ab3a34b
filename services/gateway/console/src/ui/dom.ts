type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * Creates an element: `h('button', { type: 'button', onclick: go }, 'Send')`. `on…` attributes become
 * listeners (never inline handlers, which the CSP forbids), `false`/`null` attributes are left out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  element.append(...nodes(children));
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for SVG elements (charts). */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  element.append(...nodes(children));
  return element;
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...nodes(children));
}

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

function nodes(children: Child[]): (Node | string)[] {
  return children
    .filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (typeof child === 'number' ? String(child) : child)) as (Node | string)[];
}

/**
 * A table: its caption (`hiddenCaption` keeps it for screen readers only), a header cell per column,
 * then the rows (a `<tbody>` the caller fills, or rows given at once).
 */
export function dataTable(
  caption: { text: string; hiddenCaption?: boolean },
  columns: readonly Child[],
  body: HTMLTableSectionElement,
  attributes: Attributes = {},
): HTMLTableElement {
  return h(
    'table',
    attributes,
    h('caption', caption.hiddenCaption ? { class: 'visually-hidden' } : {}, caption.text),
    h('thead', {}, h('tr', {}, ...columns.map((column) => h('th', { scope: 'col' }, column)))),
    body,
  );
}

let nextId = 0;
/** A document-unique id, for `for`/`aria-labelledby` pairs. */
export function uid(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A labelled form control: `<label for>` + the control, wrapped in a `.field`. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
): HTMLElement {
  control.id ||= uid('field');
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

/** A status line for errors and progress, announced to screen readers. */
export function statusLine(): {
  element: HTMLElement;
  show(message: string, kind?: 'error' | 'info'): void;
  clear(): void;
} {
  const element = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  return {
    element,
    show(message, kind = 'info') {
      element.textContent = message;
      element.className = `status ${kind}`;
      if (kind === 'error') element.setAttribute('role', 'alert');
      else element.setAttribute('role', 'status');
    },
    clear() {
      element.textContent = '';
      element.className = 'status';
    },
  };
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
