import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');

/** A free TCP port on loopback, for a child process that must be told its port up front. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  readonly name: string;
  readonly port: number;
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** The last lines the process printed, for failure messages. */
  output(): string;
  /** SIGTERM, and waits for the exit (SIGKILL after the timeout). */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL at once: a crash, as far as everyone else can tell. */
  kill(): Promise<void>;
}

/**
 * Runs a built service (`services/<name>/dist/main.js`) as its own process, exactly as deployed,
 * and resolves once its /readyz answers 200. Tests use this to talk to services they may not import.
 */
export async function startServiceProcess(
  name: string,
  env: Record<string, string | undefined>,
  options: {
    /** Default 90 s. */
    readyTimeoutMs?: number;
    /** Sees everything the process writes to stdout and stderr, from its first byte. */
    onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  } = {},
): Promise<ServiceProcess> {
  if (Number(env.PORT)) return startOnce(name, env, Number(env.PORT), options);
  // A port found free can be taken by another process before the child binds it (parallel test
  // workers do that now and then): try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(name, env, await freePort(), options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(
  name: string,
  env: Record<string, string | undefined>,
  port: number,
  options: Parameters<typeof startServiceProcess>[2] = {},
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services', name, 'dist', 'main.js')], {
    // METRICS_PORT 0 unless told: several replicas of one service run side by side in tests.
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      METRICS_PORT: '0',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const remember = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  if (options.onOutput) {
    const onOutput = options.onOutput;
    child.stdout?.on('data', (chunk: Buffer) => onOutput(chunk.toString(), 'stdout'));
    child.stderr?.on('data', (chunk: Buffer) => onOutput(chunk.toString(), 'stderr'));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const process_: ServiceProcess = {
    name,
    port,
    baseUrl,
    child,
    output: () => lines.join('\n'),
    stop: async (timeoutMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  // Readiness is the condition waited for; the limit only stops a process that never gets there. Loading
  // a service takes a second on an idle machine and twenty or more on a busy shared one.
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const output = process_.output();
      const message = `${name} exited during start-up:\n${output}`;
      throw output.includes('EADDRINUSE') ? new PortTakenError(message) : new Error(message);
    }
    try {
      if ((await fetch(`${baseUrl}/readyz`)).status === 200) return process_;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await process_.kill();
  throw new Error(`${name} was not ready in time:\n${process_.output()}`);
}
