import { accountTests } from './console/account';
import { agentsTests } from './console/agents';
import { chatTests } from './console/chat';
import { setupConsoleEnv } from './console/harness';
import { healthTests } from './console/health';
import { mediaTests } from './console/media';
import { searchTests } from './console/search';
import { shellTests } from './console/shell';
import { questionWav, voiceTests } from './console/voice';

/**
 * The web console in headless Chromium against the whole platform (`npm start`, offline defaults),
 * started once for every panel's tests. A panel's tests live in console/<panel>.ts: one line here each.
 */
describe('console', () => {
  // Offline answers word by word, slowly enough to reload or stop in the middle of one.
  const env = setupConsoleEnv({ env: { OFFLINE_TOKEN_DELAY_MS: '60' }, fakeMicrophoneWav: questionWav });

  describe('shell', () => shellTests(env));
  describe('chat', () => chatTests(env));
  describe('search', () => searchTests(env));
  describe('media', () => mediaTests(env));
  describe('account', () => accountTests(env));
  describe('voice', () => voiceTests(env));
  describe('agents', () => agentsTests(env));
  describe('health', () => healthTests(env));
});
