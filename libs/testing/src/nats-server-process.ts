import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { natsPasswordVariable, SERVICES } from '@conduit/contracts';
import { freePort } from './service-process';

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

export interface NatsServerOptions {
  /**
   * A server configuration file (e.g. `deploy/nats/nats.conf`), used with everything it includes.
   * Its port, monitoring port and listen address are overridden, and it runs from a copy of its folder
   * whose `store_dir` points at a private store (nats-server refuses `-sd` next to a configured one).
   */
  configFile?: string;
  /** Environment for the server, e.g. the `$NATS_<SERVICE>_PASSWORD` variables a config references. */
  env?: Record<string, string>;
}

/** A private nats-server with JetStream that a test may stop and start again (same port, same store). */
export class NatsServerProcess {
  private child: ChildProcess | null = null;
  private readonly storeDir = mkdtempSync(join(tmpdir(), 'conduit-nats-'));
  private readonly lines: string[] = [];

  private constructor(
    readonly port: number,
    private readonly binary: string,
    private readonly env: Record<string, string>,
    private readonly configArgs: (storeDir: string) => string[],
  ) {}

  static async start(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
    const binary = process.env.NATS_SERVER_BIN ?? CANDIDATES.find((path) => existsSync(path));
    if (!binary)
      throw new Error('nats-server not found (install the nats-server package or set NATS_SERVER_BIN)');
    const configFile = options.configFile;
    const monitorPort = await freePort();
    const configArgs = configFile
      ? (storeDir: string) => ['-c', privateConfigCopy(configFile, storeDir), '-m', String(monitorPort)]
      : (storeDir: string) => ['-js', '-sd', storeDir];
    const server = new NatsServerProcess(await freePort(), binary, options.env ?? {}, configArgs);
    await server.resume();
    return server;
  }

  /** What the server logged (the last 500 lines): permission violations show up here. */
  output(): string {
    return this.lines.join('\n');
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.child = spawn(
      this.binary,
      [...this.configArgs(this.storeDir), '-a', '127.0.0.1', '-p', String(this.port)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } },
    );
    const remember = (chunk: Buffer) => {
      this.lines.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.lines.length > 500) this.lines.splice(0, this.lines.length - 500);
    };
    this.child.stdout?.on('data', remember);
    this.child.stderr?.on('data', remember);
    const child = this.child;
    let onExit: (code: number | null) => void = () => undefined;
    try {
      await Promise.race([
        waitForPort(this.port, 10_000),
        new Promise((_, reject) => {
          onExit = (code) =>
            reject(new Error(`nats-server exited (${code}) during start-up:\n${this.output()}`));
          child.once('exit', onExit);
        }),
      ]);
    } finally {
      child.removeListener('exit', onExit);
    }
  }

  /** Stops the server abruptly, as an outage would. */
  async halt(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  async stop(): Promise<void> {
    await this.halt();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/**
 * Copies the config's folder (so relative includes resolve) into `storeDir/config`, with the main
 * file's JetStream `store_dir` pointed at `storeDir/jetstream`. Returns the copied main file.
 */
function privateConfigCopy(configFile: string, storeDir: string): string {
  const configDir = join(storeDir, 'config');
  const copy = join(configDir, basename(configFile));
  if (existsSync(copy)) return copy;
  mkdirSync(configDir, { recursive: true });
  cpSync(dirname(configFile), configDir, { recursive: true });
  const text = readFileSync(configFile, 'utf8');
  const storePath = JSON.stringify(join(storeDir, 'jetstream'));
  const rewritten = text.replace(/^(\s*store_dir\s*[:=]\s*).*$/m, `$1${storePath}`);
  if (rewritten === text) throw new Error(`${configFile} has no JetStream store_dir to override`);
  writeFileSync(copy, rewritten);
  return copy;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nats-server did not open port ${port}`);
}

/**
 * A random password for every service's user in `deploy/nats/auth.conf` (which names them all), and
 * the server environment that sets them: a test of the deployed configuration keeps working when a
 * service is added.
 */
export function deployedNatsPasswords(): {
  env: Record<string, string>;
  passwordOf: (service: string) => string;
} {
  const passwords = new Map(SERVICES.map(({ name }) => [name, `${name}-${randomBytes(12).toString('hex')}`]));
  return {
    env: Object.fromEntries([...passwords].map(([name, password]) => [natsPasswordVariable(name), password])),
    passwordOf: (service) => {
      const password = passwords.get(service);
      if (!password) throw new Error(`no service named ${service} in the contracts' SERVICES`);
      return password;
    },
  };
}
