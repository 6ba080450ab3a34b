import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, watchPageProblems } from '../support/browser';
import { type StartedPlatform, startPlatform } from '../support/platform';

/** What every console test gets: the running platform and a browser, shared by the whole file. */
export interface ConsoleEnv {
  gatewayUrl: string;
  browser: Browser;
  /** A fresh browser context (its own storage) on /console, with its page problems collected. */
  openConsole(options?: { viewport?: { width: number; height: number } }): Promise<ConsolePage>;
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Uncaught errors and CSP violations seen so far. */
  problems: string[];
}

export interface Account {
  email: string;
  password: string;
}

/**
 * Starts the platform (`npm start`, offline defaults) and Chromium once for the console tests in one
 * file; `env()` is valid inside tests. Every context opened is closed after all tests.
 */
export function setupConsoleEnv(
  options: { fakeMicrophoneWav?: () => string; env?: NodeJS.ProcessEnv } = {},
): () => ConsoleEnv {
  let platform: StartedPlatform | undefined;
  let browser: Browser | undefined;
  let env: ConsoleEnv | undefined;

  beforeAll(async () => {
    [platform, browser] = await Promise.all([
      startPlatform('console', options.env),
      launchChromium({ fakeMicrophoneWav: options.fakeMicrophoneWav?.() }),
    ]);
    const url = platform.gatewayUrl;
    const opened = browser;
    env = {
      gatewayUrl: url,
      browser: opened,
      async openConsole(contextOptions = {}) {
        const context = await opened.newContext({
          viewport: contextOptions.viewport ?? { width: 1280, height: 800 },
        });
        const page = await context.newPage();
        const problems = watchPageProblems(page);
        await page.goto(`${url}/console`);
        return { page, context, problems };
      },
    };
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  }, 60_000);

  return () => {
    if (!env) throw new Error('The console environment is not started');
    return env;
  };
}

/** A new unique account. */
export function newAccount(): Account {
  return {
    email: `console-${randomBytes(5).toString('hex')}@example.com`,
    password: 'correct horse battery',
  };
}

/** Signs up through the form and waits for the signed-in shell. */
export async function signUp(page: Page, account: Account = newAccount()): Promise<Account> {
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return account;
}
