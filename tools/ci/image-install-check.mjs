#!/usr/bin/env node
// Runs the image's install step the way deploy/Dockerfile runs it, without Docker
// (`npm run image:check-install`, after `npm run build`):
// 1. the build context (the tree minus .dockerignore) is copied, and the `manifests` stage's own RUN
//    command picks package.json files and the lock out of it;
// 2. each stage that installs (`build-libs`, `prod-deps`) gets those manifests and runs its own
//    `npm ci ...` command, read from the Dockerfile, with the Dockerfile's ENV;
// 3. the production install must hold what the compiled services require: every module of every
//    service and lib the image ships is loaded from it, as the runtime image would.
// Paths the Dockerfile uses inside the image (/src, /app) are mapped onto a temporary folder.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dockerfileText = readFileSync(join(root, 'deploy/Dockerfile'), 'utf8');
const dockerfile = parseDockerfile(dockerfileText);
const imageNpm = /^ARG NPM_VERSION=(\S+)$/m.exec(dockerfileText)?.[1];
const runEnv = { ...process.env, PATH: [npmBinDir(imageNpm), process.env.PATH].filter(Boolean).join(':') };
const work = mkdtempSync(join(tmpdir(), 'image-install-'));

try {
  const context = join(work, 'context');
  copyBuildContext(context);
  const stageDirs = { manifests: join(work, 'manifests') };
  runStage('manifests', { '/src': context, '/app': stageDirs.manifests });

  for (const stage of ['build-libs', 'prod-deps']) {
    stageDirs[stage] = join(work, stage);
    cpSync(stageDirs.manifests, stageDirs[stage], { recursive: true });
    runStage(stage, { '/app': stageDirs[stage] }, (command) => /\bnpm ci\b/.test(command));
  }

  const prod = stageDirs['prod-deps'];
  check(
    !existsSync(join(prod, 'node_modules/prisma')),
    'the production install must leave out the Prisma CLI (see the prod-deps stage)',
  );
  check(
    existsSync(join(stageDirs['build-libs'], 'node_modules/@prisma/schema-engine-wasm/package.json')),
    'the build install must hold @prisma/schema-engine-wasm (the migrate image copies it)',
  );
  loadShippedModules(prod);
  console.log('\nimage install check passed');
} catch (error) {
  console.error(`\nimage install check failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * A folder holding an `npm` of the image's version, when the one here differs (null when it is the
 * same): the npm registry ships npm itself, fetched once into the user's cache.
 */
function npmBinDir(version) {
  if (!version) throw new Error('deploy/Dockerfile pins no NPM_VERSION');
  const current = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
  console.log(`npm ${version} as in the image${current === version ? '' : ` (here: ${current})`}`);
  if (current === version) return null;
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'conduit', `npm-${version}`);
  if (!existsSync(join(dir, 'bin', 'npm'))) {
    const unpack = mkdtempSync(`${dir}-`);
    execFileSync('npm', ['pack', '--silent', `npm@${version}`], { cwd: unpack, stdio: 'ignore' });
    execFileSync('tar', ['-xzf', `npm-${version}.tgz`], { cwd: unpack });
    mkdirSync(join(unpack, 'bin'));
    writeFileSync(
      join(unpack, 'bin', 'npm'),
      `#!/bin/sh\nexec node "${join(dir, 'package', 'bin', 'npm-cli.js')}" "$@"\n`,
      { mode: 0o755 },
    );
    renameSync(unpack, dir);
  }
  return join(dir, 'bin');
}

/** Stages with their ENV and RUN lines; continuation lines joined, `--mount=` options dropped. */
function parseDockerfile(text) {
  const stages = new Map();
  let current = null;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines.map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (/^FROM$/i.test(instruction)) {
      const [, base, name] = args.match(/^(\S+)(?:\s+AS\s+(\S+))?/i) ?? [];
      const parent = stages.get(base);
      current = { env: { ...(parent?.env ?? {}) }, runs: [] };
      if (name) stages.set(name, current);
    } else if (/^ENV$/i.test(instruction) && current) {
      for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) current.env[key] = value;
    } else if (/^RUN$/i.test(instruction) && current) {
      current.runs.push(args.replace(/--mount=\S+\s*/g, '').trim());
    }
  }
  return stages;
}

/** The files `docker build .` would send: the tree (what git tracks or would track) minus .dockerignore. */
function copyBuildContext(target) {
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map(dockerignorePattern);
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file && existsSync(join(root, file)))
    .filter((file) => !ignore.some((pattern) => pattern.test(file)));
  for (const file of files) cpSync(join(root, file), join(target, file));
}

/** A .dockerignore line as a regular expression over a relative path (a match excludes what is under it too). */
function dockerignorePattern(line) {
  const body = line
    .replace(/^\/+/, '')
    .split(/(\*\*\/|\*|\?)/)
    .map((part) => {
      if (part === '**/') return '(?:.*/)?';
      if (part === '*') return '[^/]*';
      if (part === '?') return '[^/]';
      return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}(?:/.*)?$`);
}

function runStage(name, paths, select = () => true) {
  const stage = dockerfile.get(name);
  if (!stage) throw new Error(`deploy/Dockerfile has no stage named ${name}`);
  const commands = stage.runs.filter(select);
  if (commands.length === 0) throw new Error(`stage ${name} runs nothing this check knows`);
  mkdirSync(paths['/app'], { recursive: true }); // the image's WORKDIR
  for (const command of commands) {
    const mapped = Object.entries(paths).reduce(
      (text, [from, to]) => text.replace(new RegExp(`(^|[\\s=])${from}(?=/|\\s|$)`, 'g'), `$1${to}`),
      command,
    );
    console.log(`\n== ${name}: ${command}`);
    const result = spawnSync('bash', ['-eo', 'pipefail', '-c', mapped], {
      cwd: paths['/app'],
      env: { ...runEnv, ...stage.env },
      stdio: 'inherit',
    });
    check(result.status === 0, `stage ${name} failed: ${command}`);
  }
}

/**
 * Loads every compiled module of the services and of the libs they ship with, resolving packages from
 * the production install only (the built `dist/` folders are placed where the image puts them).
 */
function loadShippedModules(prod) {
  // The libs go in with build-libs' own `cp --parents -r ... /out/` (dist folders and any data files).
  const libsCopy = /cp --parents -r ((?:libs\/\S+\s+)+)\/out\//.exec(
    dockerfile.get('build-libs').runs.join(' '),
  );
  check(libsCopy, 'the build-libs stage copies no libs to /out/');
  const copied = spawnSync('bash', ['-c', `cp --parents -r ${libsCopy[1]} "${prod}/"`], { cwd: root });
  check(copied.status === 0, 'the build-libs copy of the libs failed: run `npm run build` first');
  const shipped = [];
  for (const name of readdirSync(join(prod, 'libs'))) {
    if (name !== 'testing' && existsSync(join(prod, 'libs', name, 'dist'))) {
      shipped.push(...jsFiles(join(prod, 'libs', name, 'dist')));
    }
  }
  for (const name of readdirSync(join(root, 'services'))) {
    const dist = join(root, 'services', name, 'dist');
    if (!existsSync(dist)) continue;
    cpSync(dist, join(prod, 'services', name, 'dist'), { recursive: true });
    shipped.push(...jsFiles(join(prod, 'services', name, 'dist')));
  }
  check(
    shipped.some((file) => file.includes('/services/')),
    'no built service found: run `npm run build` first',
  );
  // main.js starts the service; everything it imports is loaded here without starting anything.
  const modules = shipped.filter((file) => !file.endsWith('/main.js') && !file.endsWith('/tracing.js'));
  const script = `for (const file of ${JSON.stringify(modules)}) require(file);`;
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: prod,
    env: { ...process.env, NODE_ENV: 'production', NODE_PATH: '' },
    encoding: 'utf8',
  });
  check(
    result.status === 0,
    `a shipped module does not load from the production install:\n${result.stderr.slice(0, 4000)}`,
  );
  console.log(`\n== prod-deps: ${modules.length} shipped modules load from the production install`);
}

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}
