import { availableParallelism } from 'node:os';

const LANCE_CPU_THREADS = 'LANCE_CPU_THREADS';

/**
 * Gives LanceDB's compute pool at least two threads. LanceDB sizes that pool once, when it first needs
 * it, from `LANCE_CPU_THREADS` or else as the machine's cores minus two (at least one). With a single
 * thread, LanceDB 0.31.0 deadlocks building or updating a full-text index whose posting lists fill more
 * than one batch (lancedb/lancedb#3568): on a 2-core machine the optimize of a 100,000-chunk table sat at
 * 0 % CPU forever, and every later append waited behind it for the same thread. One thread also makes
 * concurrent queries take turns for their vector distances on a single core.
 *
 * The variable is the library's own setting, read from the process environment, so it is set here
 * rather than parsed as configuration; an operator's own value is left as it is. Must run before the
 * first table is opened in the process.
 */
export function ensureLanceComputeThreads(): void {
  if (process.env[LANCE_CPU_THREADS] !== undefined) return;
  process.env[LANCE_CPU_THREADS] = String(Math.max(2, availableParallelism() - 2));
}
