import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service-process';

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/** A private nats-server with JetStream that a test may stop and start again (same port, same store). */
export class NatsServerProcess {
  private child: ChildProcess | null = null;
  private readonly storeDir = mkdtempSync(join(tmpdir(), 'conduit-nats-'));

  private constructor(
    readonly port: number,
    private readonly binary: string,
    private readonly extraArgs: string[],
  ) {}

  static async start(options: { configFile?: string } = {}): Promise<NatsServerProcess> {
    const binary = process.env.NATS_SERVER_BIN ?? CANDIDATES.find((path) => existsSync(path));
    if (!binary)
      throw new Error('nats-server not found (install the nats-server package or set NATS_SERVER_BIN)');
    const server = new NatsServerProcess(
      await freePort(),
      binary,
      options.configFile ? ['-c', options.configFile] : [],
    );
    await server.resume();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.child = spawn(
      this.binary,
      [...this.extraArgs, '-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir],
      { stdio: 'ignore' },
    );
    await waitForPort(this.port, 10_000);
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
