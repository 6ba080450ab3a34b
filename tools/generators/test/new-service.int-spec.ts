import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..', '..');
/** Generous: tsc and eslint over the whole copy take minutes on a busy machine. A hang guard only. */
const STEP_TIMEOUT_MS = 10 * 60_000;
const SKIPPED = new Set(['node_modules', '.git', '.nx', 'dist', 'coverage', 'tmp']);

/** Runs a workspace binary in `cwd`; the failure message carries its output. */
async function sh(cwd: string, command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

/**
 * `npm run new:service -- <name>` in a copy of the workspace (node_modules shared by a symlink), then
 * what CI runs on the result: its build, the typecheck, lint and formatting of what was generated, the
 * auth.conf check, the Kubernetes overlay it joined, and the service's own integration test.
 */
describe('npm run new:service', () => {
  let workspace: string;
  const bin = (name: string) => join(REPO, 'node_modules', '.bin', name);

  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'conduit-new-service-'));
    cpSync(REPO, workspace, {
      recursive: true,
      filter: (source) => !SKIPPED.has(relative(REPO, source).split('/').pop() ?? ''),
    });
    symlinkSync(join(REPO, 'node_modules'), join(workspace, 'node_modules'), 'dir');
    await sh(workspace, bin('nx'), [
      'g',
      './tools/generators:service',
      'demo-svc',
      '--no-interactive',
      '--skipInstall',
    ]);
  }, STEP_TIMEOUT_MS);

  afterAll(() => {
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('creates the service, its contract, Kubernetes folder, compose entry and NATS user', () => {
    for (const file of [
      'services/demo-svc/src/main.ts',
      'services/demo-svc/src/app.module.ts',
      'services/demo-svc/src/health/health.handler.ts',
      'services/demo-svc/test/demo-svc.int-spec.ts',
      'libs/contracts/src/demo-svc.ts',
      'k8s/services/demo-svc/deployment.yaml',
    ]) {
      expect(existsSync(join(workspace, file))).toBe(true);
    }
    expect(readFileSync(join(workspace, 'libs/contracts/src/index.ts'), 'utf8')).toContain(
      "from './demo-svc'",
    );
    expect(readFileSync(join(workspace, 'k8s/base/kustomization.yaml'), 'utf8')).toContain(
      '../services/demo-svc',
    );
    expect(readFileSync(join(workspace, 'docker-compose.yml'), 'utf8')).toContain('NATS_USER: demo-svc');
    expect(readFileSync(join(workspace, 'deploy/nats/helm-values.yaml'), 'utf8')).toContain(
      'key: NATS_DEMO_SVC_PASSWORD',
    );
    expect(readFileSync(join(workspace, 'deploy/otel/collector.yaml'), 'utf8')).toMatch(/'demo-svc:\d+'/);
    const auth = readFileSync(join(workspace, 'deploy/nats/auth.conf'), 'utf8');
    expect(auth).toContain('"demo-svc.health.check demo-svc"');
    expect(auth).toContain(
      '{ user: demo-svc, password: $NATS_DEMO_SVC_PASSWORD, permissions: $DEMO_SVC_PERMISSIONS }',
    );
  });

  it(
    'builds, typechecks, lints and is formatted',
    async () => {
      await sh(join(workspace, 'services/demo-svc'), bin('swc'), [
        'src',
        '-d',
        'dist',
        '--strip-leading-paths',
        '--config-file',
        '../../.swcrc',
      ]);
      expect(existsSync(join(workspace, 'services/demo-svc/dist/main.js'))).toBe(true);
      // What the generator wrote and everything it imports: the rest of the copy is the repository as it
      // is, which `npm run typecheck` checks once already.
      writeFileSync(
        join(workspace, 'tsconfig.generated.json'),
        JSON.stringify({
          extends: './tsconfig.json',
          include: [
            'services/demo-svc/src/**/*.ts',
            'services/demo-svc/test/**/*.ts',
            'libs/contracts/src/**/*.ts',
          ],
        }),
      );
      await sh(workspace, bin('tsc'), ['-p', 'tsconfig.generated.json', '--noEmit']);
      await sh(workspace, bin('nx'), ['show', 'projects']);
      await sh(workspace, bin('eslint'), ['services/demo-svc', 'libs/contracts/src']);
      await sh(workspace, bin('prettier'), [
        '--check',
        'services/demo-svc',
        'libs/contracts/src',
        'k8s',
        'docker-compose.yml',
      ]);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'passes the auth.conf freshness check and the Kubernetes validation',
    async () => {
      await sh(workspace, bin('jest'), ['tools/nats/src/auth-conf.spec.ts', '--selectProjects', 'unit']);
      await sh(workspace, process.execPath, ['tools/k8s/validate.mjs', 'k8s/overlays/dev']);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'passes its own integration test against the real NATS, unchanged',
    async () => {
      const output = await sh(workspace, bin('jest'), [
        'services/demo-svc/test/demo-svc.int-spec.ts',
        '--selectProjects',
        'integration',
      ]);
      expect(output).toMatch(/Tests:\s+3 passed, 3 total/);
    },
    STEP_TIMEOUT_MS,
  );
});
