#!/usr/bin/env node
// Checks package-lock.json before anything installs from it (`npm run lock:check [dir]`):
// - it is in sync with every manifest (the root's and each workspace's), as `npm ci` requires;
// - every dependency of a locked package is locked too, optional ones included: npm records each
//   platform's native build (swc, nx, ...) as an optional dependency, and a lock written where some of
//   them were missing fails `npm ci` on every other machine;
// - every locked package with an install script is approved or denied in package.json's allowScripts,
//   so an install never stops to ask and never runs a script nobody reviewed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/** Everything wrong with `dir`'s lock file, as sentences; empty when it is fine. */
export function lockProblems(dir) {
  const manifest = readJson(join(dir, 'package.json'));
  const lockPath = join(dir, 'package-lock.json');
  if (!existsSync(lockPath)) return ['package-lock.json is missing'];
  const lock = readJson(lockPath);
  const packages = lock.packages ?? {};
  const problems = [];
  if (lock.lockfileVersion !== 3) problems.push(`lockfileVersion is ${lock.lockfileVersion}, expected 3`);

  const workspaces = workspaceDirs(dir, manifest.workspaces ?? []);
  for (const path of ['', ...workspaces]) {
    const own = path === '' ? manifest : readJson(join(dir, path, 'package.json'));
    const locked = packages[path];
    const where = path === '' ? 'the root package.json' : `${path}/package.json`;
    if (!locked) {
      problems.push(`${where} is not in the lock`);
      continue;
    }
    for (const field of DEPENDENCY_FIELDS) {
      const wanted = own[field] ?? {};
      const recorded = locked[field] ?? {};
      for (const name of new Set([...Object.keys(wanted), ...Object.keys(recorded)])) {
        if (wanted[name] !== recorded[name]) {
          problems.push(
            `${where} ${field}: ${name} is ${wanted[name] ?? 'absent'} but ${recorded[name] ?? 'absent'} in the lock`,
          );
        }
      }
    }
    if (path !== '' && packages[`node_modules/${own.name}`]?.resolved !== path) {
      problems.push(`workspace ${own.name} is not linked to ${path} in the lock`);
    }
  }
  for (const [path, entry] of Object.entries(packages)) {
    if (!path.includes('node_modules/') && path !== '' && !workspaces.includes(path)) {
      problems.push(`the lock lists workspace ${path}, which no manifest declares`);
    }
    if (entry.link) continue;
    for (const field of ['dependencies', 'optionalDependencies']) {
      for (const name of Object.keys(entry[field] ?? {})) {
        if (!lockedFrom(packages, path, name)) {
          const kind = field === 'optionalDependencies' ? 'an optional dependency' : 'a dependency';
          problems.push(`${name}, ${kind} of ${packageName(path) || 'the root'}, is not in the lock`);
        }
      }
    }
  }

  const reviewed = new Set(Object.keys(manifest.allowScripts ?? {}).map(nameOfSpec));
  for (const [path, entry] of Object.entries(packages)) {
    const name = packageName(path);
    if (entry.hasInstallScript && name && !reviewed.has(name)) {
      problems.push(
        `${name}@${entry.version} has an install script that allowScripts neither approves nor denies`,
      );
    }
  }
  return problems;
}

/** Where Node (and npm) would find `name` required from the package at `from`. */
function lockedFrom(packages, from, name) {
  for (let base = from; ;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return null;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

function packageName(lockPath) {
  const at = lockPath.lastIndexOf('node_modules/');
  return at < 0 ? '' : lockPath.slice(at + 'node_modules/'.length);
}

/** `pkg`, `pkg@1.2.3`, `@scope/pkg@^1` → the package name. */
function nameOfSpec(spec) {
  const at = spec.indexOf('@', 1);
  return at < 0 ? spec : spec.slice(0, at);
}

/** The folders the `workspaces` globs name (only the `folder/*` and plain-folder forms npm users write). */
function workspaceDirs(dir, patterns) {
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return existsSync(join(dir, pattern, 'package.json')) ? [pattern] : [];
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(dir, parent))) return [];
    return readdirSync(join(dir, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(dir, parent, entry.name, 'package.json')))
      .map((entry) => `${parent}/${entry.name}`)
      .sort();
  });
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = resolve(process.argv[2] ?? '.');
  const problems = lockProblems(dir);
  if (problems.length > 0) {
    console.error(`package-lock.json: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
    console.error(
      'Regenerate the lock with `npm install` where the whole registry is reachable; review install scripts with `npm install-scripts ls`.',
    );
    process.exit(1);
  }
  console.log('package-lock.json is in sync with the manifests and lists every platform package');
}
