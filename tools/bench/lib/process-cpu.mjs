// CPU time (user + system, from /proc) of a benchmark's processes and of the shared servers it uses, so
// a run can say how many ms of CPU each process spent per unit of work, whatever else the machine does.
import { readdirSync, readFileSync } from 'node:fs';
import { cpuMs } from './platform.mjs';

/** Pids of the processes whose command name is `name` (e.g. `nats-server`), from /proc. */
export function pidsNamed(name) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

/** CPU ms of each pid that is still there (a pid gone meanwhile is left out). */
export function cpuMsOfPids(pids) {
  const cpu = new Map();
  for (const pid of pids) {
    try {
      cpu.set(pid, cpuMs(pid));
    } catch {
      // ended meanwhile
    }
  }
  return cpu;
}

/** Postgres backends serving connections whose application name starts with `prefix`. */
export async function postgresBackendPids(pg, prefix) {
  const { rows } = await pg.query(
    `SELECT pid FROM pg_stat_activity WHERE starts_with(application_name, $1)`,
    [prefix],
  );
  return rows.map((row) => row.pid);
}

/**
 * CPU used between two snapshots of pids (Map pid → ms): a pid that appeared meanwhile counts whole, one
 * that ended meanwhile is lost (its last interval unread).
 */
export function cpuMsBetween(before, after) {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}
