import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { builtServices as built, ROOT, type StartedPlatform, startPlatform } from './support/platform';

const withData = built.filter((name) => existsSync(join(ROOT, 'services', name, 'prisma', 'schema.prisma')));

/** `npm start` (tools/dev/start.mjs) on its own database and namespace, every port chosen by the system. */
describe('npm start', () => {
  let platform: StartedPlatform | undefined;

  afterAll(async () => {
    await platform?.stop();
  });

  it('says one line per service when it is ready, where the gateway listens, and nothing else', async () => {
    platform = await startPlatform('start');
    const { lines, gatewayUrl } = platform;
    expect((await fetch(`${gatewayUrl}/readyz`)).status).toBe(200);

    // "created database", one line per migrated service, one per service ready (any order), the summary.
    const serviceOf = (line: string) => /^([a-z0-9-]+)/.exec(line)?.[1];
    const migrated = lines.slice(1, 1 + withData.length);
    const ready = lines.slice(1 + withData.length, -1);
    expect(lines[0]).toBe('created database');
    expect(migrated.every((line) => / \(schema [a-z0-9_-]+\): applied /.test(line))).toBe(true);
    expect(migrated.map(serviceOf).sort()).toEqual([...withData].sort());
    expect(ready.every((line) => /^[a-z0-9-]+\s*\| ready /.test(line))).toBe(true);
    expect(ready.map(serviceOf).sort()).toEqual([...built].sort());
    expect(lines.at(-1)).toBe(`all ${built.length} services ready; Ctrl-C stops everything`);

    platform.process.kill('SIGINT');
    expect(await platform.exited).toBe(0);
  });
});
