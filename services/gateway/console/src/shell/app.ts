import { ApiClient } from '../api/client';
import { Credentials, type User } from '../api/credentials';
import type { Panel } from '../panels/panel';
import { PANELS } from '../panels/registry';
import { h, messageOf, uid } from '../ui/dom';
import { renderSignIn } from './sign-in';

/** The whole page: the sign-in form, or the navigation and the chosen panel. */
export function startConsole(root: HTMLElement): void {
  const credentials = new Credentials();
  const api = new ApiClient(credentials);
  let leave: (() => void) | null = null;

  const render = () => {
    leave?.();
    leave = null;
    if (!credentials.signedIn) return renderSignIn(root, credentials);
    api
      .json<User>('/api/v1/me')
      .then((user) => (leave = renderSignedIn(root, api, user)))
      .catch((error: unknown) => {
        if (!credentials.signedIn) return; // the refresh failed: onChange shows the form
        root.replaceChildren(
          h('p', { class: 'status error', role: 'alert' }, `The gateway did not answer: ${messageOf(error)}`),
        );
      });
  };
  credentials.onChange(render);
  render();
  // The page answers input from here on (read by `npm run bench -- console`).
  performance.mark('console:interactive');
}

function renderSignedIn(root: HTMLElement, api: ApiClient, user: User): () => void {
  // Kept open while signed in: panels stream over it (a chat answer starts without a new request).
  api.socket.open();
  const main = h('main', { id: 'main', tabindex: -1 });
  const links = new Map<string, HTMLAnchorElement>();
  const nav = h(
    'nav',
    { 'aria-label': 'Panels' },
    h(
      'ul',
      {},
      ...PANELS.map((panel) => {
        const link = h('a', { href: `#/${panel.id}` }, panel.title);
        links.set(panel.id, link);
        return h('li', {}, link);
      }),
    ),
  );
  const signOut = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', () => {
    api.socket.close();
    void api.credentials.signOut();
  });
  root.replaceChildren(
    h('a', { class: 'skip', href: '#main' }, 'Skip to the panel'),
    h(
      'header',
      { class: 'topbar' },
      h('span', { class: 'brand' }, 'Conduit'),
      h('span', { class: 'user', title: 'Signed in as' }, user.email),
      signOut,
    ),
    nav,
    main,
  );

  let current: { panel: Panel; abort: AbortController; cleanup?: () => void } | null = null;
  const show = () => {
    const id = /^#\/([\w-]+)/.exec(location.hash)?.[1];
    const panel = PANELS.find((candidate) => candidate.id === id) ?? PANELS[0];
    if (!panel || current?.panel === panel) return;
    current?.abort.abort();
    current?.cleanup?.();
    links.forEach((link, linkId) =>
      linkId === panel.id ? link.setAttribute('aria-current', 'page') : link.removeAttribute('aria-current'),
    );
    const headingId = uid('panel');
    const body = h('div', { class: `panel panel-${panel.id}` });
    main.replaceChildren(
      h('section', { 'aria-labelledby': headingId }, h('h2', { id: headingId }, panel.title), body),
    );
    const entry: NonNullable<typeof current> = { panel, abort: new AbortController() };
    current = entry;
    Promise.resolve(panel.mount(body, { api, user, signal: entry.abort.signal })).then(
      (cleanup) => {
        if (typeof cleanup !== 'function') return;
        if (current === entry) entry.cleanup = cleanup;
        else cleanup();
      },
      (error: unknown) => body.append(h('p', { class: 'status error', role: 'alert' }, messageOf(error))),
    );
  };
  window.addEventListener('hashchange', show);
  show();
  return () => {
    window.removeEventListener('hashchange', show);
    current?.abort.abort();
    current?.cleanup?.();
  };
}
