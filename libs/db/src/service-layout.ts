import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Nearest folder, from `start` up, whose package.json declares npm workspaces. */
export function findRepoRoot(start = process.cwd()): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in (JSON.parse(readFileSync(manifest, 'utf8')) as object))
      return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`No workspace root (package.json with "workspaces") above ${start}`);
  }
}

export function servicePrismaDir(repoRoot: string, service: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(service)) throw new Error(`Invalid service name "${service}"`);
  return path.join(repoRoot, 'services', service, 'prisma');
}

/** Services that own data, i.e. have `services/<name>/prisma/schema.prisma`. */
export function listDataServices(repoRoot: string): string[] {
  const servicesDir = path.join(repoRoot, 'services');
  if (!existsSync(servicesDir)) return [];
  return readdirSync(servicesDir, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() && existsSync(path.join(servicesDir, entry.name, 'prisma', 'schema.prisma')),
    )
    .map((entry) => entry.name)
    .sort();
}
