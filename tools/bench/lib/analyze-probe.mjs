// Lines up the probe's per-process timelines (lib/probe.cjs) with the benchmark's concurrency-1
// gateway requests and prints, per step of the request, the median time since the client started it.
// Usage: node tools/bench/lib/analyze-probe.mjs <probe-file>   (chat-stream --probe runs it itself)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtMs, percentile, table } from './stats.mjs';

const START = 'chat.completion.start';

export function analyzeProbe(probeFile) {
  const { marks, dir } = JSON.parse(readFileSync(probeFile, 'utf8'));
  const events = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line) events.push(JSON.parse(line));
    }
  }
  events.sort((a, b) => a.t - b.t);

  const steps = new Map(); // label -> offsets (ms since the client's fetch)
  const add = (label, value) => {
    if (value === undefined || value === null || !Number.isFinite(value)) return;
    if (!steps.has(label)) steps.set(label, []);
    steps.get(label).push(value);
  };
  let usable = 0;
  let cursor = 0;
  for (const mark of marks) {
    if (mark.ttftMs === null) continue;
    const from = mark.startedAt;
    const to = from + (mark.totalMs ?? mark.ttftMs) + 1;
    while (cursor < events.length && events[cursor].t < from) cursor++;
    const window = [];
    for (let i = cursor; i < events.length && events[i].t <= to; i++) window.push(events[i]);
    const find = (p, ev, test = () => true, after = from) =>
      window.find((e) => e.p === p && e.ev === ev && e.t >= after && test(e));
    const at = (e) => (e ? e.t - from : undefined);

    const gwIn = find('gateway', 'http.request', (e) => e.url.includes('/messages'));
    if (!gwIn) continue;
    usable++;
    const jwtStart = find('gateway', 'jwt.verify.start', undefined, gwIn.t);
    const jwtEnd = find('gateway', 'jwt.verify.end', undefined, gwIn.t);
    const reqStart = find('gateway', 'bus.request.start', (e) => e.subject === START);
    const answerStart = find('chat', 'bus.answer.start', (e) => e.subject === START);
    const fetchStart = find('chat', 'fetch.start');
    const fetchHeaders = find('chat', 'fetch.headers');
    const answerEnd = find('chat', 'bus.answer.end', (e) => e.subject === START);
    const reqEnd = find('gateway', 'bus.request.end', (e) => e.subject === START);
    const writeHead = find('gateway', 'http.writeHead', (e) => e.url.includes('/messages'));
    const firstEmit = find('chat', 'stream.firstEmit');
    const firstReceived = find('gateway', 'stream.firstReceived');
    const firstWrite = find('gateway', 'http.firstWrite', (e) => e.url.includes('/messages'));

    add('gateway: HTTP request arrives', at(gwIn));
    add('gateway: JWT verify starts', at(jwtStart));
    add('gateway: JWT verify ends', at(jwtEnd));
    // Redis commands the gateway runs before it asks chat (rate limits), in order.
    if (reqStart) {
      let n = 0;
      for (const e of window) {
        if (e.p !== 'gateway' || e.t < gwIn.t || e.t > reqStart.t || e.ev !== 'redis.start') continue;
        const end = window.find(
          (x) => x.p === 'gateway' && x.ev === 'redis.end' && x.cmd === e.cmd && x.t >= e.t,
        );
        n++;
        add(`gateway:   Redis #${n} ${e.cmd} (start)`, at(e));
        if (end) add(`gateway:   Redis #${n} (duration)`, end.t - e.t);
      }
    }
    add('gateway: NATS request chat.completion.start sent', at(reqStart));
    add('chat: request handler starts', at(answerStart));
    // Postgres statements chat runs before it calls the provider, in order.
    if (answerStart && fetchStart) {
      let n = 0;
      for (const e of window) {
        if (e.p !== 'chat' || e.t < answerStart.t || e.t > fetchStart.t || e.ev !== 'pg.start') continue;
        const end = window.find((x) => x.p === 'chat' && x.ev === 'pg.end' && x.sql === e.sql && x.t >= e.t);
        n++;
        add(`chat:   SQL #${n} ${e.sql.slice(0, 48)} (start)`, at(e));
        if (end) add(`chat:   SQL #${n} (duration)`, end.t - e.t);
      }
    }
    add('chat: provider fetch starts', at(fetchStart));
    add('chat: provider response headers', at(fetchHeaders));
    add('chat: ack sent (handler ends)', at(answerEnd));
    add('gateway: ack received', at(reqEnd));
    add('gateway: SSE headers written', at(writeHead));
    add('chat: first delta published', at(firstEmit));
    add('gateway: first stream event received', at(firstReceived));
    add('gateway: first SSE event written', at(firstWrite));
    add('client: first token parsed (TTFT)', mark.ttftMs);
    if (firstEmit && fetchStart)
      add('  [provider: fetch start → first delta in chat]', firstEmit.t - fetchStart.t);
    if (firstEmit && firstWrite) add('  [relay: chat emit → gateway SSE write]', firstWrite.t - firstEmit.t);
    if (firstWrite) add('  [client: SSE write → token parsed]', mark.ttftMs - (firstWrite.t - from));
    if (answerStart && fetchStart)
      add('  [chat: handler start → provider fetch]', fetchStart.t - answerStart.t);
    if (gwIn && reqStart) add('  [gateway: HTTP in → NATS request out]', reqStart.t - gwIn.t);
  }

  // Steps are recorded in request order, so the map's insertion order is the timeline's.
  const rows = [...steps.entries()].map(([label, values]) => [
    label,
    String(values.length),
    fmtMs(percentile(values, 50), 2),
    fmtMs(percentile(values, 90), 2),
  ]);
  const memory = [];
  for (const p of ['gateway', 'chat']) {
    const samples = events.filter((e) => e.p === p && e.ev === 'mem');
    const last = samples.at(-1);
    if (!last) continue;
    const peak = samples.reduce((max, e) => (e.rssMb > max.rssMb ? e : max), last);
    const spaces = Object.entries(peak.spaces)
      .filter(([, mb]) => mb > 0)
      .map(([name, mb]) => `${name.replace(/_space$/, '')} ${mb}`)
      .join(', ');
    memory.push(
      `${p} memory at its RSS peak (MB): rss ${peak.rssMb}, V8 heap ${peak.heapUsedMb} used / ${peak.heapTotalMb} total ` +
        `(${spaces}), external ${peak.externalMb} (array buffers ${peak.arrayBuffersMb}); ` +
        `rss beyond V8 heap and external: ${peak.rssMb - peak.heapTotalMb - peak.externalMb}`,
    );
  }
  return [
    ...memory,
    '',
    `probe: ${usable} of ${marks.length} concurrency-1 gateway requests lined up with the services' timelines (ms since the client's fetch)`,
    table(['step', 'n', 'p50', 'p90'], rows),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(analyzeProbe(process.argv[2]));
}
