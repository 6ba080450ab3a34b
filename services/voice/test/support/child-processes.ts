import { readdir, readFile } from 'node:fs/promises';

/**
 * The live processes descending from this test process whose command name starts with `name` (Linux
 * /proc), to check that nothing an engine started is left running.
 */
export async function childProcessesNamed(name: string): Promise<number[]> {
  const processes: Array<{ pid: number; ppid: number; comm: string }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...; comm may hold spaces, so read after its closing parenthesis.
    const match = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
    if (match && match[2] !== 'Z')
      processes.push({ pid: Number(entry), ppid: Number(match[3]), comm: match[1]! });
  }
  const descendants = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const { pid, ppid } of processes)
      if (descendants.has(ppid) && !descendants.has(pid)) grew = descendants.add(pid).size > 0;
  }
  return processes
    .filter(
      ({ pid, comm }) => pid !== process.pid && descendants.has(pid) && comm.startsWith(name.slice(0, 15)),
    )
    .map(({ pid }) => pid);
}
