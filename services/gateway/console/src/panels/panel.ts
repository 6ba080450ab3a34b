import type { ApiClient } from '../api/client';
import type { User } from '../api/credentials';

/** What a panel gets when it is shown. */
export interface PanelContext {
  /** Authenticated gateway access: `json`, `request`, `sse`, `socket` (the shared `/ws`), `socketUrl`. */
  api: ApiClient;
  user: User;
  /** Aborted when the panel is left (another panel chosen, or sign-out): stop fetches and streams. */
  signal: AbortSignal;
}

/**
 * A console panel: one module in `src/panels/`, listed once in `registry.ts`. `mount` fills `root`
 * (an empty `<section>` labelled with `title`) and may return a cleanup function; it runs again each time
 * the panel is shown, so state that must outlive a visit belongs in the API or sessionStorage.
 */
export interface Panel {
  /** The URL fragment (`#/<id>`). */
  id: string;
  /** The navigation label and the section heading. */
  title: string;
  mount(root: HTMLElement, context: PanelContext): void | (() => void) | Promise<void | (() => void)>;
}
