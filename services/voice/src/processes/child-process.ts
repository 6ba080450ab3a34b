import { execFile, spawn, type ChildProcess } from 'node:child_process';

export interface RunProcessOptions {
  /** Written to the process's stdin, which is then closed. */
  readonly input?: Buffer;
  /** Aborting kills the process (SIGKILL). */
  readonly signal?: AbortSignal;
  /** Kills the process past this time; 0 = no limit. */
  readonly timeoutMs?: number;
  /** Kills the process when its stdout grows past this many bytes. */
  readonly maxOutputBytes?: number;
}

export interface ProcessResult {
  readonly stdout: Buffer;
  /** The last lines the process wrote to stderr, for error messages. */
  readonly stderrTail: string;
}

/** Why a run ended without a clean exit. */
export type ProcessFailure = 'not_found' | 'aborted' | 'timed_out' | 'output_too_large' | 'failed';

export class ProcessRunError extends Error {
  constructor(
    readonly command: string,
    readonly failure: ProcessFailure,
    message: string,
    readonly stderrTail = '',
  ) {
    super(message);
    this.name = 'ProcessRunError';
  }
}

const STDERR_TAIL_BYTES = 4_096;

/**
 * Runs `command` to completion with `input` on stdin and collects stdout (Node's execFile: it enforces
 * the time and size limits by killing the process). Never leaves the process running: abort, timeout
 * and an oversized output all kill it.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        encoding: 'buffer',
        signal: options.signal,
        timeout: options.timeoutMs ?? 0,
        maxBuffer: options.maxOutputBytes ?? 64 * 1024 * 1024,
        killSignal: 'SIGKILL',
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        const stderrTail = tailOf(stderr);
        if (!error) return resolve({ stdout, stderrTail });
        reject(toRunError(command, error, stderrTail, options));
      },
    );
    // The process may exit (or fail to start) before it reads all its input: that is reported by
    // the exit callback above, not as a write error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? Buffer.alloc(0));
  });
}

/** Whether `command` can be started here (it is on the PATH, or the path names an executable). */
export function canStart(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, [], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.kill('SIGKILL');
      resolve(true);
    });
  });
}

/** The last few KB of a process's stderr, for error messages and logs. */
export function tailOf(stderr: Buffer | string): string {
  const text = typeof stderr === 'string' ? stderr : stderr.subarray(-STDERR_TAIL_BYTES).toString('utf8');
  return text.slice(-STDERR_TAIL_BYTES).trim();
}

type ExecError = Error & { code?: string | number | null; killed?: boolean; signal?: NodeJS.Signals | null };

function toRunError(
  command: string,
  error: ExecError,
  stderrTail: string,
  options: RunProcessOptions,
): ProcessRunError {
  if (error.code === 'ENOENT' || error.code === 'EACCES')
    return new ProcessRunError(command, 'not_found', `${command} cannot be started: ${error.code}`);
  if (error.name === 'AbortError' || options.signal?.aborted)
    return new ProcessRunError(command, 'aborted', `${command} was aborted`);
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
    return new ProcessRunError(command, 'output_too_large', `${command} wrote more than allowed`, stderrTail);
  if (error.killed && options.timeoutMs)
    return new ProcessRunError(
      command,
      'timed_out',
      `${command} took longer than ${options.timeoutMs} ms`,
      stderrTail,
    );
  const how = error.signal ? `was killed by ${error.signal}` : `exited with ${String(error.code)}`;
  return new ProcessRunError(command, 'failed', `${command} ${how}`, stderrTail);
}

/**
 * Starts `command` with its stdin fed through a real pipe: `cat | command`. Some programs open
 * `/dev/stdin` by name, which fails (ENXIO) on the socket Node gives a child as its stdin. Both run in
 * a process group of their own, so {@link killProcessGroup} ends them together.
 */
export function spawnWithPipedStdin(command: string, args: readonly string[]): ChildProcess {
  return spawn('sh', ['-c', 'cat | exec "$0" "$@"', command, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
}

/** Kills a process started by {@link spawnWithPipedStdin} and everything in its group. */
export function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
