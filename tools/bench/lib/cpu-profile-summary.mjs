// Sums the self time of V8 CPU profiles (`node --cpu-prof`) per function and per package, optionally
// only within a time window (the benchmark's measurement, without start-up and warm-up).
//
// Usage: node tools/bench/lib/cpu-profile-summary.mjs <dir-or-.cpuprofile>... [--top N] [--window FILE]
//   A directory stands for every .cpuprofile in it; with `gateway-vs-peer --cpu-prof DIR` the window is
//   DIR/window.json ({ fromUs, toUs }: CLOCK_MONOTONIC microseconds, the clock the profiles use), read
//   by default when present.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from './stats.mjs';

/** Where a frame's code comes from: an npm package, a workspace lib or service, Node itself, or V8. */
export function packageOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  const workspace = /\/(libs|services)\/([^/]+)\//.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  return url;
}

/** Self time (ms) per function and per package of one profile, counting samples inside the window. */
export function summarizeProfile(profile, window = null) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map();
  const byPackage = new Map();
  let total = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const next =
      profile.samples[i + 1] === undefined ? profile.endTime : t + (profile.timeDeltas[i + 1] ?? 0);
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const node = nodes.get(profile.samples[i]);
    if (!node) continue;
    const ms = Math.max(0, next - t) / 1000;
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = packageOf(url, functionName);
    if (pkg === '(idle)') continue;
    const fn = `${functionName || '(anonymous)'} ${pkg}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    total += ms;
  }
  return { total, byFunction, byPackage };
}

function topRows(map, total, top) {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => [name, ms.toFixed(0), ((100 * ms) / total).toFixed(1)]);
}

/** A readable report of each profile: busy time, then the top packages and functions by self time. */
export function profileReport(files, { top = 25, window = null } = {}) {
  const out = [];
  if (window) out.push(`window: ${((window.toUs - window.fromUs) / 1e6).toFixed(1)} s of measurement`);
  for (const file of files) {
    const { total, byFunction, byPackage } = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), window);
    out.push(
      '',
      `${basename(file)}: ${total.toFixed(0)} ms busy (idle excluded)`,
      table(['package', 'self ms', '%'], topRows(byPackage, total, top)),
      '',
      table(['function', 'self ms', '%'], topRows(byFunction, total, top)),
    );
  }
  return out.join('\n');
}

function main(argv) {
  let top = 25;
  let windowFile = null;
  const inputs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--window') windowFile = argv[++i];
    else inputs.push(argv[i]);
  }
  const files = [];
  for (const input of inputs) {
    if (statSync(input).isDirectory()) {
      files.push(
        ...readdirSync(input)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(input, f)),
      );
      if (!windowFile && existsSync(join(input, 'window.json'))) windowFile = join(input, 'window.json');
    } else files.push(input);
  }
  const window = windowFile ? JSON.parse(readFileSync(windowFile, 'utf8')) : null;
  console.log(profileReport(files, { top, window }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
