#!/usr/bin/env node
// npm run bench -- console [--loads 10] [--samples 30] [--tokens 5] [--interval-ms 10]
//
// The web console in headless Chromium (Debian's, through playwright-core) against the platform's chat
// path on loopback (a fake OpenAI server, usage, chat, the gateway serving /console):
// - console load: bytes transferred (page and assets, compressed as sent) and time to interactive (the
//   shell's `console:interactive` mark, from navigation start), each load in a fresh browser context;
// - first chat token painted after Send, against the API's own time to first token: per round one API
//   answer (POST .../messages read from Node) and one console answer (click on Send to the frame that
//   showed the first text, as Element Timing records it), same model, same pacing; the difference of
//   the medians is what the console adds.
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
 * Installs the in-page clock: Send's click, the answer's start leaving (its request as Resource Timing
 * saw it, or its `start` frame on `/ws`), its first bytes back, the first answer text in the page, and
 * when that text was painted. Painted is the browser's own record, Element Timing: the answer's text
 * element is given an `elementtiming` attribute while still empty, and the `element` entry of its first
 * text paint has `paintTime` (the rendering update that painted it) and `renderTime` (its
 * `presentationTime`, when that frame was shown). The measure used before, the task after the frame
 * (rAF runs before the frame's paint, a task queued from it once the frame is done), is kept beside it.
 */
function installPaintClock() {
  const fresh = () => ({
    sentAt: null,
    startSentAt: null,
    firstFrameAt: null,
    textAt: null,
    frameAt: null,
    paintedAt: null,
    element: null,
    shown: null,
  });
  const clock = fresh();
  window.__benchClock = clock;
  document.addEventListener(
    'click',
    (event) => {
      if (event.target instanceof HTMLButtonElement && event.target.textContent === 'Send') {
        Object.assign(clock, fresh(), { sentAt: performance.now() });
      }
    },
    true,
  );
  // `/ws`: the start frame leaving, and the task of the first event frame (this listener is the first).
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (message) => {
        if (clock.startSentAt === null || clock.firstFrameAt !== null) return;
        if (String(message.data).includes('"chat.event"')) clock.firstFrameAt = performance.now();
      });
    }

    send(data) {
      if (clock.sentAt !== null && clock.startSentAt === null && String(data).includes('"type":"start"')) {
        clock.startSentAt = performance.now();
      }
      return super.send(data);
    }
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (clock.element === null || entry.element !== clock.element || clock.shown !== null) continue;
      clock.shown = { paintTime: entry.paintTime ?? null, renderTime: entry.renderTime };
    }
  }).observe({ type: 'element', buffered: true });
  new MutationObserver(() => {
    if (clock.sentAt === null || clock.paintedAt !== null) return;
    const busy = document.querySelector('.message.assistant[aria-busy="true"] .content');
    if (!busy) return;
    if (clock.element !== busy) {
      busy.setAttribute('elementtiming', 'bench-answer');
      clock.element = busy;
    }
    if (busy.textContent.length === 0) return;
    clock.paintedAt = -1;
    clock.textAt = performance.now();
    requestAnimationFrame(() => {
      clock.frameAt = performance.now();
      setTimeout(() => (clock.paintedAt = performance.now()), 0);
    });
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

async function consoleAnswer(page, content) {
  await page.getByLabel('Message', { exact: true }).fill(content);
  await page.getByRole('button', { name: 'Send' }).click();
  await page
    .waitForFunction(() => window.__benchClock.paintedAt > 0 && window.__benchClock.shown, null, {
      timeout: 15_000,
    })
    .catch(async () => {
      const status = await page.locator('.conversation .status').textContent();
      throw new HarnessError(`no answer painted in the console (it says: ${status || 'nothing'})`);
    });
  // The answer is complete and the session drawn again: Send is enabled.
  await page.getByRole('button', { name: 'Send' }).and(page.locator(':enabled')).waitFor();
  return page.evaluate(() => {
    const { sentAt, startSentAt, firstFrameAt, textAt, frameAt, paintedAt, shown } = window.__benchClock;
    // An answer started over HTTP: its request as the browser timed it (Resource Timing).
    const request = performance
      .getEntriesByType('resource')
      .findLast((entry) => entry.name.endsWith('/messages') && entry.startTime >= sentAt);
    performance.clearResourceTimings();
    const since = (at) => (at === null || at === undefined ? null : at - sentAt);
    return {
      transport: request ? 'HTTP (SSE)' : startSentAt !== null ? '/ws' : 'unknown',
      shownMs: since(shown.renderTime),
      paintMs: since(shown.paintTime),
      paintedMs: since(paintedAt),
      requestSentMs: request ? since(request.requestStart) : since(startSentAt),
      responseMs: request ? since(request.responseStart) : since(firstFrameAt),
      textMs: since(textAt),
      frameMs: since(frameAt),
    };
  });
}

/** The console answer's steps: to the request leaving, to its response, to the text, to the paint. */
function consoleSteps(steps) {
  const between = (from, to) => (step) =>
    step[from] === null || step[to] === null ? null : step[to] - step[from];
  const rows = [
    ['Send click to request sent', (step) => step.requestSentMs],
    ['request sent to response start', between('requestSentMs', 'responseMs')],
    ['response start to text in the page', between('responseMs', 'textMs')],
    ["text in the page to its frame's rAF", between('textMs', 'frameMs')],
    ["frame's rAF to its paint (paintTime)", between('frameMs', 'paintMs')],
    ['paint to frame shown (renderTime)', between('paintMs', 'shownMs')],
    ['text in the page to frame shown', between('textMs', 'shownMs')],
    ['(text in the page to the task after the frame)', between('textMs', 'paintedMs')],
  ];
  return rows.map(([label, of]) => {
    const values = steps.map(of).filter((value) => value !== null);
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
  const shown = [];
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
    shown.push(consoleResult.shownMs);
    steps.push(consoleResult);
  }
  await context.close();

  const bytes = loads.map((load) => load.bytes);
  const tti = loads.map((load) => load.interactiveMs);
  const added = median(shown) - median(api);
  const column = (key) => steps.map((step) => step[key]).filter((value) => value !== null);
  const pathRow = (label, values) => [
    label,
    `${fmtMs(median(values))} ms`,
    `${fmtMs(percentile(values, 95))} ms`,
  ];
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
        pathRow('API time to first token (Node client)', api),
        pathRow('console: Send click to first token shown', shown),
        pathRow('  … to its paint (paintTime)', column('paintMs')),
        pathRow('  … to the task after the frame (before)', column('paintedMs')),
      ],
    ),
  );
  const transports = Map.groupBy(steps, (step) => step.transport);
  for (const [transport, over] of transports) {
    console.log(
      `\nWhere the console answer's time goes: ${over.length} of ${steps.length} answers started over ${transport} (p50 of each step, per round)`,
    );
    console.log(table(['step', 'p50', 'p95'], consoleSteps(over)));
  }
  const addedBefore = median(column('paintedMs')) - median(api);
  const verdict = added <= TARGET_ADDED_MS ? 'PASS' : 'FAIL';
  console.log(
    `\n${verdict}: the console adds ${fmtSigned(added)} ms to the API's first token at p50, to the frame shown (target ≤ ${TARGET_ADDED_MS} ms)` +
      `\n(to the task after the frame, the measure before: ${fmtSigned(addedBefore)} ms)`,
  );
});
