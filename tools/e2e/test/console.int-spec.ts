import { accountTests } from './console/account';
import { setupConsoleEnv } from './console/harness';
import { shellTests } from './console/shell';

/**
 * The web console in headless Chromium against the whole platform (`npm start`, offline defaults),
 * started once for every panel's tests. A panel's tests live in console/<panel>.ts: one line here each.
 */
describe('console', () => {
  const env = setupConsoleEnv();

  describe('shell', () => shellTests(env));
  describe('account', () => accountTests(env));
});
