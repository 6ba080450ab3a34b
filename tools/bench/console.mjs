#!/usr/bin/env node
// npm run bench -- console [--loads 10] [--samples 30] [--tokens 5] [--interval-ms 10] [--transports ws]
//
// The web console in headless Chromium (Debian's, through playwright-core) against the platform's chat
// path on loopback (a fake OpenAI server, usage, chat, the gateway serving /console):
// - console load: bytes transferred (page and assets, compressed as sent) and time to interactive (the
//   shell's `console:interactive` mark, from navigation start), each load in a fresh browser context;
// - first chat token painted after Send, against the API's own time to first token: per round one API
//   answer (POST .../messages read from Node) and one console answer (click on Send to the frame that
//   showed the first text, as Element Timing records it), same model, same pacing; the difference of
//   the medians is what the console adds. An API answer over `/ws` from Node is timed too, for
//   comparison; the three go in a different order each round. With `--transports
//   ws,http` every other console answer is asked with the console's `/ws` connection hidden from it (it
//   reports itself not open), so it takes HTTP (SSE) as before: both ways in one run, same conditions.
// Exits 0 whether or not the target is met, non-zero when the harness itself fails.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { registerUsers, startChatPlatform, startFakeOpenAiProcess } from './lib/chat-platform.mjs';
import {
  describeMachine,
  optionsOrExit,
  parseFlags,
  postJson,
  rotation,
  runBenchmark,
} from './lib/harness.mjs';
import { HarnessError, requireFromRoot } from './lib/platform.mjs';
import { fmtMs, fmtSigned, median, percentile, table } from './lib/stats.mjs';
import { gatewayStream, tokensTag } from './lib/stream-client.mjs';
// Headless on a closed network, as the console's end-to-end tests launch it.
import CHROMIUM_ARGS from '../e2e/chromium-args.json' with { type: 'json' };

const HELP = `npm run bench -- console [flags]   (each flag also as env BENCH_<NAME>)
  --loads N         cold loads of /console, each in a new browser context (default 10)
  --samples N       rounds of one API answer (HTTP SSE), one API answer over /ws and one console
                    answer, in a different order each round (default 30)
  --warmup N        rounds before measuring (default 3)
  --tokens N        tokens per answer (default 5)
  --interval-ms N   fake provider's pacing before each token (default 10)
  --transports T    ws: the console as it is (answers over /ws once it is open); ws,http: every other
                    console answer over HTTP (SSE), the /ws connection hidden from it (default ws)
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
      transports: 'ws',
      chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    },
    HELP,
  ),
  loadBefore: loadavg(),
}));
if (!['ws', 'ws,http'].includes(options.transports)) {
  console.error(`--transports must be ws or ws,http\n${HELP}`);
  process.exit(2);
}

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
  // With `__benchHideSocket` the connection says it is not open yet, so the console takes HTTP.
  window.__benchHideSocket = false;
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    get readyState() {
      return window.__benchHideSocket ? NativeWebSocket.CONNECTING : super.readyState;
    }

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

async function consoleAnswer(page, content, hideSocket) {
  await page.evaluate((hide) => (window.__benchHideSocket = hide), hideSocket);
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

/**
 * The API over `/ws` from Node (the `ws` package): one connection, one answer at a time; `answer`
 * resolves with its time to first token, from just before the start frame is sent to the first delta.
 */
async function openApiSocket(baseUrl, accessToken) {
  const WebSocket = requireFromRoot('ws');
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?access_token=${accessToken}`);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let onFrame = () => undefined;
  socket.on('message', (data) => onFrame(JSON.parse(String(data))));
  let count = 0;
  return {
    answer: (sessionId, content) =>
      new Promise((resolve, reject) => {
        const id = `api-${++count}`;
        let ttftMs = null;
        onFrame = (frame) => {
          if (frame.id !== id) return;
          if (frame.type === 'error')
            reject(new HarnessError(`API /ws answer failed: ${frame.error.message}`));
          if (frame.type !== 'chat.event') return;
          if (frame.event.type === 'delta') ttftMs ??= performance.now() - start;
          else if (frame.event.type === 'error')
            reject(new HarnessError(`API /ws answer failed: ${frame.event.error.message}`));
          else if (frame.event.type === 'done') resolve(ttftMs);
        };
        const start = performance.now();
        socket.send(
          JSON.stringify({ type: 'start', id, stream: 'chat.message', request: { sessionId, content } }),
        );
      }),
    close: () => socket.close(),
  };
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
  const apiSocketSession = await postJson(`${url}/api/v1/chat/sessions`, { model: MODEL }, accessToken);
  const apiSocket = await openApiSocket(url, accessToken);
  cleanup.add('API /ws client', () => apiSocket.close());
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(installPaintClock);
  await page.goto(`${url}/console`);
  await page.getByLabel('Email').fill(`bench-console-${ns.id}@example.test`);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Model', { exact: true }).selectOption(MODEL);
  // The first message also creates the session; it is not measured.
  await consoleAnswer(page, `first ${tokensTag(options.tokens)}`, false);

  say(`${options.warmup} warm-up and ${options.samples} measured rounds`);
  const steps = [];
  for (let round = 0; round < options.warmup + options.samples; round++) {
    const content = `round ${round} ${tokensTag(options.tokens)}`;
    const apiAnswer = async () => {
      const result = await gatewayStream({
        baseUrl: url,
        accessToken,
        sessionId: apiSession.id,
        tokens: options.tokens,
        content,
      });
      if (!result.ok) throw new HarnessError(`API answer failed: ${result.error}`);
      return result;
    };
    // Over HTTP every other cycle of orders, so that each way meets every order.
    const overHttp = options.transports === 'ws,http' && Math.floor(round / 6) % 2 === 1;
    const answers = {
      api: apiAnswer,
      apiWs: () => apiSocket.answer(apiSocketSession.id, content),
      console: () => consoleAnswer(page, content, overHttp),
    };
    // A different order each round: the one that follows meets the platform still finishing the answer
    // before it (storing it, metering it).
    const order = rotation(Object.keys(answers), round);
    const results = {};
    for (const name of order) results[name] = await answers[name]();
    assertAlive();
    if (round < options.warmup) continue;
    steps.push({
      ...results.console,
      apiMs: results.api.ttftMs,
      apiWsMs: results.apiWs,
      apiFirst: order.indexOf('api') < order.indexOf('console'),
    });
  }
  await context.close();

  const bytes = loads.map((load) => load.bytes);
  const tti = loads.map((load) => load.interactiveMs);
  const kib = (value) => `${(value / 1024).toFixed(1)} KiB`;
  const ms = (value) => `${fmtMs(value)} ms`;
  const of = (rounds, key) => rounds.map((step) => step[key]).filter((value) => value !== null);
  const pathRow = (label, values) => [label, ms(median(values)), ms(percentile(values, 95))];
  // The verdict is on the console as it is: with `ws,http`, its /ws answers (HTTP is the comparison).
  const measured =
    options.transports === 'ws' ? steps : steps.filter((step) => step.transport !== 'HTTP (SSE)');
  const added = median(of(measured, 'shownMs')) - median(of(measured, 'apiMs'));
  const addedBefore = median(of(measured, 'paintedMs')) - median(of(measured, 'apiMs'));
  console.log(describeMachine(options.loadBefore));
  console.log('\nConsole load (cold, loopback)');
  console.log(
    table(
      ['measure', 'p50', 'p95', 'max'],
      [
        ['bytes transferred', kib(median(bytes)), kib(percentile(bytes, 95)), kib(Math.max(...bytes))],
        ['time to interactive', ms(median(tti)), ms(percentile(tti, 95)), ms(Math.max(...tti))],
      ],
    ),
  );
  console.log(
    `\nFirst token: ${measured.length} rounds, ${options.tokens}-token answers, ${MODEL} (fake provider, ${options.intervalMs} ms pacing)`,
  );
  console.log(
    table(
      ['path', 'p50', 'p95'],
      [
        pathRow('API time to first token (Node client)', of(measured, 'apiMs')),
        pathRow('  … over /ws (Node client)', of(measured, 'apiWsMs')),
        pathRow('console: Send click to first token shown', of(measured, 'shownMs')),
        pathRow('  … to its paint (paintTime)', of(measured, 'paintMs')),
        pathRow('  … to the task after the frame (before)', of(measured, 'paintedMs')),
      ],
    ),
  );
  const added50 = (rounds, key, api = 'apiMs') =>
    fmtSigned(median(of(rounds, key)) - median(of(rounds, api)));
  const byTransport = [...Map.groupBy(steps, (step) => step.transport)];
  console.log('\nBy how the console answer started, and by which came first in its round (p50)');
  console.log(
    table(
      ['console answers', 'rounds', 'API', 'console (shown)', 'adds', 'adds (task after frame)'],
      [
        ...byTransport.map(([transport, rounds]) => [transport, rounds]),
        ...[true, false].map((apiFirst) => [
          apiFirst ? 'API before console' : 'console before API',
          steps.filter((step) => step.apiFirst === apiFirst),
        ]),
      ].map(([label, rounds]) => [
        label,
        String(rounds.length),
        ms(median(of(rounds, 'apiMs'))),
        ms(median(of(rounds, 'shownMs'))),
        `${added50(rounds, 'shownMs')} ms`,
        `${added50(rounds, 'paintedMs')} ms`,
      ]),
    ),
  );
  for (const [transport, rounds] of byTransport) {
    console.log(
      `\nWhere the console answer's time goes: the ${rounds.length} answers started over ${transport} (p50 of each step, per round)`,
    );
    console.log(table(['step', 'p50', 'p95'], consoleSteps(rounds)));
  }
  const verdict = added <= TARGET_ADDED_MS ? 'PASS' : 'FAIL';
  console.log(
    `\n${verdict}: the console adds ${fmtSigned(added)} ms to the API's first token at p50, to the frame shown (target ≤ ${TARGET_ADDED_MS} ms)` +
      `\n(to the task after the frame, the measure before: ${fmtSigned(addedBefore)} ms;` +
      ` to the frame shown against the API over /ws: ${added50(measured, 'shownMs', 'apiWsMs')} ms)`,
  );
});
