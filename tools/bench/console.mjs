#!/usr/bin/env node
// npm run bench -- console [--loads 10] [--samples 30] [--tokens 5] [--interval-ms 10]
//
// The web console in headless Chromium (Debian's, through playwright-core) against the platform's chat
// path on loopback (a fake OpenAI server, usage, chat, the gateway serving /console):
// - console load: bytes transferred (page and assets, compressed as sent) and time to interactive (the
//   shell's `console:interactive` mark, from navigation start), each load in a fresh browser context;
// - first chat token painted after Send, against the API's own time to first token: per round one API
//   answer (POST .../messages read from Node) and one console answer (click on Send to the frame after
//   the first text appeared), same model, same pacing; the difference of the medians is what the
//   console adds.
// Exits 0 whether or not the target is met, non-zero when the harness itself fails.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { registerUsers, startChatPlatform, startFakeOpenAiProcess } from './lib/chat-platform.mjs';
import { describeMachine, optionsOrExit, parseFlags, postJson, runBenchmark } from './lib/harness.mjs';
import { HarnessError, requireFromRoot } from './lib/platform.mjs';
import { fmtMs, fmtSigned, median, percentile, table } from './lib/stats.mjs';
import { gatewayStream, tokensTag } from './lib/stream-client.mjs';
// Headless on a closed network, as the console's end-to-end tests launch it.
import CHROMIUM_ARGS from '../e2e/chromium-args.json' with { type: 'json' };

const HELP = `npm run bench -- console [flags]   (each flag also as env BENCH_<NAME>)
  --loads N         cold loads of /console, each in a new browser context (default 10)
  --samples N       rounds of one API answer and one console answer (default 30)
  --warmup N        rounds before measuring (default 3)
  --tokens N        tokens per answer (default 5)
  --interval-ms N   fake provider's pacing before each token (default 10)
  --chromium PATH   the browser (default: CHROMIUM_PATH or /usr/bin/chromium)`;

const TARGET_ADDED_MS = 16;
const MODEL = 'openai/gpt-4o-mini';

const options = optionsOrExit('console', () => ({
  ...parseFlags(
    process.argv.slice(2),
    {
      loads: { default: 10, min: 1 },
      samples: { default: 30, min: 1 },
      warmup: 3,
      tokens: { default: 5, min: 1 },
      'interval-ms': 10,
      chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    },
    HELP,
  ),
  loadBefore: loadavg(),
}));

/** Counts what one load transferred (the page and every resource, as sent) and its interactive mark. */
async function measureLoad(browser, url) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${url}/console`, { waitUntil: 'load' });
    await page.waitForFunction(() => performance.getEntriesByName('console:interactive').length > 0);
    return await page.evaluate(() => {
      const navigation = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource');
      return {
        bytes: navigation.transferSize + resources.reduce((sum, entry) => sum + entry.transferSize, 0),
        interactiveMs: performance.getEntriesByName('console:interactive')[0].startTime,
      };
    });
  } finally {
    await context.close();
  }
}

/**
 * Installs the in-page clock: Send's click, the first answer text in the page, and the frame after it
 * appeared.
 */
function installPaintClock() {
  const clock = { sentAt: null, textAt: null, paintedAt: null };
  window.__benchClock = clock;
  document.addEventListener(
    'click',
    (event) => {
      if (event.target instanceof HTMLButtonElement && event.target.textContent === 'Send') {
        clock.sentAt = performance.now();
        clock.textAt = null;
        clock.paintedAt = null;
      }
    },
    true,
  );
  new MutationObserver(() => {
    if (clock.sentAt === null || clock.paintedAt !== null) return;
    const busy = document.querySelector('.message.assistant[aria-busy="true"] .content');
    if (!busy || busy.textContent.length === 0) return;
    clock.paintedAt = -1;
    clock.textAt = performance.now();
    // The frame that shows it: rAF runs before that paint, the task after it once it is done.
    requestAnimationFrame(() => setTimeout(() => (clock.paintedAt = performance.now()), 0));
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

async function consoleAnswer(page, content) {
  await page.getByLabel('Message', { exact: true }).fill(content);
  await page.getByRole('button', { name: 'Send' }).click();
  await page
    .waitForFunction(() => window.__benchClock.paintedAt > 0, null, { timeout: 15_000 })
    .catch(async () => {
      const status = await page.locator('.conversation .status').textContent();
      throw new HarnessError(`no answer painted in the console (it says: ${status || 'nothing'})`);
    });
  // The answer is complete and the session drawn again: Send is enabled.
  await page.getByRole('button', { name: 'Send' }).and(page.locator(':enabled')).waitFor();
  return page.evaluate(() => {
    const { sentAt, textAt, paintedAt } = window.__benchClock;
    // The answer's request as the browser timed it (Resource Timing), for the breakdown only.
    const request = performance
      .getEntriesByType('resource')
      .findLast((entry) => entry.name.endsWith('/messages') && entry.startTime >= sentAt);
    performance.clearResourceTimings();
    return {
      paintedMs: paintedAt - sentAt,
      requestSentMs: request ? request.requestStart - sentAt : null,
      responseMs: request ? request.responseStart - sentAt : null,
      textMs: textAt - sentAt,
    };
  });
}

/** The console answer's steps: to the request leaving, to its response, to the text, to the paint. */
function consoleSteps(steps) {
  const timed = steps.filter((step) => step.requestSentMs !== null && step.responseMs !== null);
  const rows = [
    ['Send click to request sent', (step) => step.requestSentMs],
    ['request sent to response start', (step) => step.responseMs - step.requestSentMs],
    ['response start to text in the page', (step) => step.textMs - step.responseMs],
    ['text in the page to painted frame', (step) => step.paintedMs - step.textMs],
  ];
  return rows.map(([label, of]) => {
    const values = timed.map(of);
    return values.length === 0
      ? [label, 'n/a', 'n/a']
      : [label, `${fmtMs(median(values))} ms`, `${fmtMs(percentile(values, 95))} ms`];
  });
}

runBenchmark('console', async ({ infra, ns, cleanup, log: say }) => {
  const { chromium } = requireFromRoot('playwright-core');
  const fake = await startFakeOpenAiProcess({ tokens: options.tokens, intervalMs: options.intervalMs });
  cleanup.add('fake OpenAI server', () => fake.stop());
  const { gateway, assertAlive } = await startChatPlatform({ infra, ns, cleanup, log: say, fake });
  const url = gateway.baseUrl;
  const browser = await chromium.launch({
    executablePath: options.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  cleanup.add('chromium', () => browser.close());

  say(`loading /console ${options.loads} times`);
  const loads = [];
  for (let i = 0; i < options.loads; i++) loads.push(await measureLoad(browser, url));

  const [accessToken] = await registerUsers(gateway, ns, 1);
  const apiSession = await postJson(`${url}/api/v1/chat/sessions`, { model: MODEL }, accessToken);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(installPaintClock);
  await page.goto(`${url}/console`);
  await page.getByLabel('Email').fill(`bench-console-${ns.id}@example.test`);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Model', { exact: true }).selectOption(MODEL);
  // The first message also creates the session; it is not measured.
  await consoleAnswer(page, `first ${tokensTag(options.tokens)}`);

  say(`${options.warmup} warm-up and ${options.samples} measured rounds`);
  const api = [];
  const painted = [];
  const steps = [];
  for (let round = 0; round < options.warmup + options.samples; round++) {
    const content = `round ${round} ${tokensTag(options.tokens)}`;
    const apiResult = await gatewayStream({
      baseUrl: url,
      accessToken,
      sessionId: apiSession.id,
      tokens: options.tokens,
      content,
    });
    if (!apiResult.ok) throw new HarnessError(`API answer failed: ${apiResult.error}`);
    const consoleResult = await consoleAnswer(page, content);
    assertAlive();
    if (round < options.warmup) continue;
    api.push(apiResult.ttftMs);
    painted.push(consoleResult.paintedMs);
    steps.push(consoleResult);
  }
  await context.close();

  const bytes = loads.map((load) => load.bytes);
  const tti = loads.map((load) => load.interactiveMs);
  const added = median(painted) - median(api);
  const kib = (value) => `${(value / 1024).toFixed(1)} KiB`;
  console.log(describeMachine(options.loadBefore));
  console.log('\nConsole load (cold, loopback)');
  console.log(
    table(
      ['measure', 'p50', 'p95', 'max'],
      [
        ['bytes transferred', kib(median(bytes)), kib(percentile(bytes, 95)), kib(Math.max(...bytes))],
        [
          'time to interactive',
          `${fmtMs(median(tti))} ms`,
          `${fmtMs(percentile(tti, 95))} ms`,
          `${fmtMs(Math.max(...tti))} ms`,
        ],
      ],
    ),
  );
  console.log(
    `\nFirst token: ${options.samples} rounds, ${options.tokens}-token answers, ${MODEL} (fake provider, ${options.intervalMs} ms pacing)`,
  );
  console.log(
    table(
      ['path', 'p50', 'p95'],
      [
        [
          'API time to first token (Node client)',
          `${fmtMs(median(api))} ms`,
          `${fmtMs(percentile(api, 95))} ms`,
        ],
        [
          'console: Send click to first token painted',
          `${fmtMs(median(painted))} ms`,
          `${fmtMs(percentile(painted, 95))} ms`,
        ],
      ],
    ),
  );
  console.log("\nWhere the console answer's time goes (p50 of each step, per round)");
  console.log(table(['step', 'p50', 'p95'], consoleSteps(steps)));
  const verdict = added <= TARGET_ADDED_MS ? 'PASS' : 'FAIL';
  console.log(
    `\n${verdict}: the console adds ${fmtSigned(added)} ms to the API's first token at p50 (target ≤ ${TARGET_ADDED_MS} ms)`,
  );
});
