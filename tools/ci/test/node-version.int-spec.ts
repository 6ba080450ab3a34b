import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const manifest = JSON.parse(read('package.json')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { engines?: { node?: string } }>;
};

type Version = [number, number, number];
const parse = (text: string): Version => {
  const [major = 0, minor = 0, patch = 0] = text.split('.').map(Number);
  return [major, minor, patch];
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
/** The version in a plain `>=x.y.z` range (the only form `engines` uses here), else null. */
const minimumOf = (range: string) => /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim())?.[1] ?? null;

/** One Node release everywhere: the one CI tests on is the one the image runs and engines allows. */
describe('the supported Node release', () => {
  const pinned = read('.nvmrc').trim();

  it('is an exact Node 22 LTS release in .nvmrc', () => {
    expect(pinned).toMatch(/^22\.\d+\.\d+$/);
  });

  it('is the one the image runs', () => {
    expect(read('deploy/Dockerfile')).toContain(`ARG NODE_IMAGE=node:${pinned}-bookworm-slim`);
  });

  it('comes with the npm that honours allowScripts (11) in the image too', () => {
    expect(read('deploy/Dockerfile')).toMatch(/^ARG NPM_VERSION=11\.\d+\.\d+$/m);
  });

  it('is the one CI runs the tests on', () => {
    expect(read('.ci/run')).toContain('PATH="$(tools/dev/node-path.sh):$PATH"');
    expect(read('tools/dev/node-path.sh')).toContain('.nvmrc');
  });

  it('satisfies engines, whose minimum is at least what every locked dependency requires', () => {
    const minimum = minimumOf(manifest.engines.node);
    expect(minimum).not.toBeNull();
    expect(compare(parse(pinned), parse(minimum!))).toBeGreaterThanOrEqual(0);
    const above = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const required = minimumOf(entry.engines?.node ?? '');
      return required && compare(parse(required), parse(minimum!)) > 0 ? [`${path} needs >=${required}`] : [];
    });
    expect(above).toEqual([]);
  });

  it("matches the Node types the code is checked against, and the README's promise", () => {
    expect(manifest.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${pinned.split('.')[0]}\\.`));
    expect(read('README.md')).toContain(
      `Node ${pinned.split('.')[0]} (${minimumOf(manifest.engines.node)!.split('.').slice(0, 2).join('.')} or newer)`,
    );
  });
});
