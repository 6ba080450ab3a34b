#!/usr/bin/env node
// npm run cycles:check — no import cycles between files, between a service's (or lib's) feature
// folders, or between projects. One dependency-cruiser run (.dependency-cruiser.cjs: file cycles,
// service-to-service imports); the folder and project checks collapse its module graph.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import graph from './src/module-graph.cjs';

const { folderOf, projectOf, stronglyConnected } = graph;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Cycles on main whose owners are removing them; each entry is the sorted list of what forms it.
 * A listed cycle is reported but does not fail the check. Delete an entry once its cycle is gone
 * (the check says so); never add one to get a change through.
 */
const KNOWN_CYCLES = [];

function cruise() {
  const bin = join(ROOT, 'node_modules', '.bin', 'depcruise');
  const json = execFileSync(
    bin,
    ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', 'libs', 'services', 'tools'],
    { cwd: ROOT, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
  );
  return JSON.parse(json);
}

function cyclesIn(modules, collapse) {
  const edges = new Map();
  for (const module of modules) {
    const from = collapse(module.source);
    if (!from) continue;
    for (const dependency of module.dependencies) {
      const to = collapse(dependency.resolved);
      if (!to || to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      // One example per folder edge, so a failure says which import to look at.
      if (!edges.get(from).has(to)) edges.get(from).set(to, `${module.source} → ${dependency.resolved}`);
    }
  }
  return stronglyConnected(edges).map((members) => ({
    members: [...members].sort(),
    examples: members.flatMap((from) =>
      [...(edges.get(from) ?? [])].filter(([to]) => members.includes(to)).map(([, example]) => example),
    ),
  }));
}

const key = (members) => [...members].sort().join(' | ');
const known = new Map(KNOWN_CYCLES.map((members) => [key(members), members]));

const result = cruise();
const found = [];
const fileViolations = result.summary.violations.filter((v) => v.rule.severity === 'error');
for (const violation of fileViolations) {
  if (violation.type === 'cycle') {
    const members = [violation.from, ...violation.cycle.map((step) => step.name)];
    found.push({ level: 'file', members: [...new Set(members)].sort(), examples: [members.join(' → ')] });
  } else {
    found.push({
      level: violation.rule.name,
      members: [violation.from, violation.to],
      examples: [`${violation.from} → ${violation.to}`],
    });
  }
}
for (const cycle of cyclesIn(result.modules, folderOf)) found.push({ level: 'folder', ...cycle });
for (const cycle of cyclesIn(result.modules, projectOf)) found.push({ level: 'project', ...cycle });

const unique = new Map(found.map((entry) => [`${entry.level}: ${key(entry.members)}`, entry]));
let failures = 0;
const seenKnown = new Set();
for (const entry of unique.values()) {
  const listed = known.has(key(entry.members));
  if (listed) seenKnown.add(key(entry.members));
  else failures += 1;
  console.log(
    `${listed ? 'known (allowed for now)' : 'ERROR'} ${entry.level} cycle: ${entry.members.join(' ↔ ')}`,
  );
  for (const example of entry.examples) console.log(`    ${example}`);
}
for (const [name] of known) {
  if (!seenKnown.has(name))
    console.log(`gone: ${name} — remove it from KNOWN_CYCLES in tools/deps/check-cycles.mjs`);
}
console.log(
  failures === 0
    ? `no new import cycles (${result.summary.totalCruised} modules)`
    : `${failures} import cycle(s) or forbidden import(s): see above`,
);
process.exit(failures === 0 ? 0 : 1);
