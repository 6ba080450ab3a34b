import { accountPanel } from './account';
import { chatPanel } from './chat/chat-panel';
import { searchPanel } from './search';
import type { Panel } from './panel';

/** The panels in navigation order; the first is shown after signing in. One line per panel. */
export const PANELS: Panel[] = [
  // Chat, Voice, Search, Media, Health, Agents, Account.
  chatPanel,
  searchPanel,
  accountPanel,
];
