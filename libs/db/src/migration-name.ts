const TIMESTAMP = /^(\d{14})_/;

/** `add-user Roles` → `add_user_roles`, as `prisma migrate dev --name` does. */
export function normalizeMigrationName(name: string): string {
  const normalized = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (normalized === '') throw new Error(`Migration name "${name}" has no letters or digits`);
  return normalized;
}

/**
 * `<YYYYMMDDHHMMSS>_<name>` in UTC, later than every existing folder so the new migration always
 * sorts last, even when two are created within one second or the clock is behind.
 */
export function nextMigrationFolder(name: string, existingFolders: readonly string[], now: Date): string {
  const latest = existingFolders
    .map((folder) => TIMESTAMP.exec(folder)?.[1])
    .filter((stamp): stamp is string => stamp !== undefined)
    .sort()
    .at(-1);
  let stamp = formatTimestamp(now);
  if (latest !== undefined && stamp <= latest)
    stamp = formatTimestamp(new Date(parseTimestamp(latest) + 1000));
  return `${stamp}_${normalizeMigrationName(name)}`;
}

function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function parseTimestamp(stamp: string): number {
  const part = (from: number, length: number): number => Number(stamp.slice(from, from + length));
  return Date.UTC(part(0, 4), part(4, 2) - 1, part(6, 2), part(8, 2), part(10, 2), part(12, 2));
}
