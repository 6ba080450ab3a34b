import { accountPanel } from './account';
import { agentsPanel } from './agents/agents.panel';
import { chatPanel } from './chat/chat-panel';
import { healthPanel } from './health/health.panel';
import { mediaPanel } from './media/media.panel';
import type { Panel } from './panel';
import { searchPanel } from './search';
import { voicePanel } from './voice/voice.panel';

/** The panels in navigation order; the first is shown after signing in. One line per panel. */
export const PANELS: Panel[] = [
  // Chat, Voice, Search, Media, Health, Agents, Account.
  chatPanel,
  voicePanel,
  searchPanel,
  mediaPanel,
  healthPanel,
  agentsPanel,
  accountPanel,
];
