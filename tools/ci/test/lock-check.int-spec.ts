import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const CHECK = join(ROOT, 'tools', 'ci', 'lock-check.mjs');

type Json = Record<string, any>;

/** A copy of the repository's manifests and lock, edited by `edit`, checked by `npm run lock:check`. */
function checkEdited(edit: (files: { manifest: Json; lock: Json }) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'lock-check-'));
  try {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Json;
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Json;
    for (const path of Object.keys(lock.packages as Json)) {
      if (path !== '' && !path.includes('node_modules/')) {
        cpSync(join(ROOT, path, 'package.json'), join(dir, path, 'package.json'));
      }
    }
    edit({ manifest, lock });
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock));
    const result = spawnSync(process.execPath, [CHECK, dir], { encoding: 'utf8' });
    return { status: result.status, output: result.stdout + result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('lock check (npm run lock:check)', () => {
  it("passes the repository's own lock", () => {
    const result = spawnSync(process.execPath, [CHECK, ROOT], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails a lock that lists only some of swc’s platform packages (what broke `npm ci`)', () => {
    const result = checkEdited(({ lock }) => {
      delete lock.packages['node_modules/@swc/core-darwin-arm64'];
      delete lock.packages['node_modules/@swc/core-win32-x64-msvc'];
    });
    expect(result.status).toBe(1);
    expect(result.output).toContain(
      '@swc/core-darwin-arm64, an optional dependency of @swc/core, is not in the lock',
    );
    expect(result.output).toContain('@swc/core-win32-x64-msvc, an optional dependency of @swc/core');
  });

  it('fails a lock out of sync with a manifest, the root or a workspace', () => {
    const result = checkEdited(({ manifest, lock }) => {
      manifest.dependencies.zod = '^3.0.0';
      manifest.devDependencies['left-pad'] = '^1.3.0';
      lock.packages['libs/bus'].dependencies = { nats: '^2.0.0' };
    });
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/root package.json dependencies: zod is \^3.0.0 but \S+ in the lock/);
    expect(result.output).toContain(
      'root package.json devDependencies: left-pad is ^1.3.0 but absent in the lock',
    );
    expect(result.output).toContain(
      'libs/bus/package.json dependencies: nats is absent but ^2.0.0 in the lock',
    );
  });

  it('fails an install script that allowScripts neither approves nor denies', () => {
    const result = checkEdited(({ manifest }) => {
      delete manifest.allowScripts['@swc/core'];
    });
    expect(result.status).toBe(1);
    expect(result.output).toMatch(
      /@swc\/core@\S+ has an install script that allowScripts neither approves nor denies/,
    );
  });
});
