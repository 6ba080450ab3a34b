#!/usr/bin/env node
// `npm run bench -- <name> [flags]` runs tools/bench/<name>.mjs, passing the flags on.
// Benchmarks run the BUILT services (`npm run build` first) against the local NATS/Postgres/Redis.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs')
  .map((file) => file.slice(0, -'.mjs'.length))
  .sort();

const [name, ...args] = process.argv.slice(2);
const usage = () =>
  `usage: npm run bench -- <name> [flags]\navailable benchmarks:\n${available.map((b) => `  ${b}`).join('\n')}`;

if (!name || name === '--help' || name === '-h') {
  console.log(usage());
  process.exit(name ? 0 : 2);
}
if (!available.includes(name) || !existsSync(join(here, `${name}.mjs`))) {
  console.error(`unknown benchmark "${name}"\n${usage()}`);
  process.exit(2);
}

const child = spawn(process.execPath, [join(here, `${name}.mjs`), ...args], { stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal's process group; it cleans up and exits on its own.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
