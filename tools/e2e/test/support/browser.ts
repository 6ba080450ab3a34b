import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import CLOSED_NETWORK_ARGS from '../../chromium-args.json';
import { ROOT } from './platform';

/** Debian's Chromium (`.ci/run` installs it); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the end-to-end run saves a screenshot of each console panel (gitignored tmp/). */
export const SCREENSHOT_DIR = join(ROOT, 'tmp', 'console-screenshots');

export interface ChromiumOptions {
  /** A WAV file Chromium's fake microphone plays (for voice turns). */
  fakeMicrophoneWav?: string;
}

/**
 * Headless Chromium on a closed network (tools/e2e/chromium-args.json, which the console benchmark
 * launches it with too): no GPU, QUIC, background fetches, component updates or sync, and a fresh profile (playwright-core makes a new user-data dir for every launch and removes it).
 */
export function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  const args = [...CLOSED_NETWORK_ARGS];
  if (options.fakeMicrophoneWav) {
    args.push(
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${options.fakeMicrophoneWav}`,
      '--autoplay-policy=no-user-gesture-required',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** Saves a full-page screenshot as tmp/console-screenshots/<name>.png and prints where. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  process.stdout.write(`console screenshot: ${path}\n`);
  return path;
}

/**
 * Collects what the page reports as going wrong: uncaught errors and CSP violations (a strict policy
 * must not block anything the console itself needs).
 */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  return problems;
}
