import { INestApplication, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Server, ServerResponse } from 'node:http';
import { Bus } from '@conduit/bus';
import { ErrorCode } from '@conduit/contracts';

/**
 * One part of a process that takes work and must let it finish on shutdown: the bus, the HTTP server,
 * WebSockets, a service's own generations. Register it with {@link ShutdownCoordinator.register}.
 */
export interface ShutdownParticipant {
  /** Phase 1, on the signal: stop taking new work. Should be quick. */
  stopIntake?(): Promise<void> | void;
  /** Phase 2: let the work in flight finish; at `deadline` (epoch ms) end what remains, and resolve once it has. */
  drain?(deadline: number): Promise<void>;
}

export interface ShutdownOptions {
  /** How long work in flight may take to finish (SHUTDOWN_GRACE_MS). */
  graceMs?: number;
  /**
   * Stop listening for HTTP connections at once (the edge: its endpoint is already gone from the load
   * balancer). Internal services keep answering probes, with /readyz at 503, while they drain.
   */
  stopListening?: boolean;
}

const DEFAULT_GRACE_MS = 25_000;
/** How long past the deadline a participant may take to end what it still had (save, send a terminal event). */
const OVERRUN_MS = 5_000;
/** A shutdown that has not finished by grace + this is cut short, so a stuck process never outlives its pod. */
const FORCE_EXIT_AFTER_GRACE_MS = 15_000;

/**
 * The order of a graceful shutdown, which Nest's own hooks do not give (they wait in
 * `beforeApplicationShutdown` while the transport still takes requests):
 *
 * 1. readiness turns 503 and every participant stops taking new work (the bus drains its handler
 *    subscriptions so NATS routes new requests to other replicas; the gateway stops accepting
 *    connections and asks WebSockets to reconnect);
 * 2. work in flight gets the grace period to finish (streams, SSE relays), then is ended;
 * 3. the Nest application closes (HTTP server, transport, bus drain, database) and the process exits.
 */
@Injectable()
export class ShutdownCoordinator implements OnApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly participants = new Map<string, ShutdownParticipant>();
  private app: INestApplication | null = null;
  private graceMs = DEFAULT_GRACE_MS;
  private running: Promise<void> | null = null;
  private removeSignalListeners: () => void = () => undefined;

  constructor(bus: Bus) {
    this.register('bus', busParticipant(bus));
  }

  /** True from the signal on; readiness (/readyz) answers 503 from then. */
  get isShuttingDown(): boolean {
    return this.running !== null;
  }

  register(name: string, participant: ShutdownParticipant): void {
    this.participants.set(name, participant);
  }

  /** Binds the coordinator to the application it closes last, and to its HTTP server. */
  attach(app: INestApplication, options: ShutdownOptions = {}): this {
    this.app = app;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.register('http', httpParticipant(app.getHttpServer() as Server, options.stopListening ?? false));
    return this;
  }

  /** On SIGTERM or SIGINT: {@link shutdown}, then exit. A repeated signal is ignored (npm start sends two). */
  exitOnSignals(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): this {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.running) return;
      this.logger.log(`${signal} received`);
      setTimeout(() => {
        this.logger.error('shutdown did not finish in time; exiting now');
        process.exit(1);
      }, this.graceMs + FORCE_EXIT_AFTER_GRACE_MS).unref();
      this.shutdown().then(
        () => process.exit(0),
        (error: unknown) => {
          this.logger.error(`shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
    };
    for (const signal of signals) process.on(signal, onSignal);
    this.removeSignalListeners = () => signals.forEach((s) => process.removeListener(s, onSignal));
    return this;
  }

  /** Runs the three phases once; later calls get the same promise. Does not exit the process. */
  shutdown(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  onApplicationShutdown(): void {
    this.removeSignalListeners();
  }

  private async run(): Promise<void> {
    const app = this.app;
    if (!app) throw new Error('ShutdownCoordinator.attach(app) was never called');
    const startedAt = Date.now();
    const deadline = startedAt + this.graceMs;
    const participants = [...this.participants];

    await settleBy(
      deadline,
      participants.map(([name, p]) => this.step(name, 'stop intake', () => p.stopIntake?.())),
    );
    const intakeStoppedAt = Date.now();
    this.logger.log(`stopped taking work in ${intakeStoppedAt - startedAt} ms; draining`);

    await settleBy(
      deadline + OVERRUN_MS,
      participants.map(([name, p]) => this.step(name, 'drain', () => p.drain?.(deadline))),
    );
    const drainedAt = Date.now();
    this.logger.log(
      `work in flight ${drainedAt > deadline ? 'ended at the deadline' : 'finished'} in ${drainedAt - intakeStoppedAt} ms; closing`,
    );

    await app.close();
    this.logger.log(`shut down in ${Date.now() - startedAt} ms`);
  }

  private async step(name: string, phase: string, action: () => Promise<void> | void): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.logger.warn(`${name}: ${phase} failed: ${String(error)}`);
    }
  }
}

/** Stops taking requests and events; waits for the streams this process reads or writes, and ends them at the deadline. */
function busParticipant(bus: Bus): ShutdownParticipant {
  return {
    stopIntake: () => bus.stopServing(),
    drain: async (deadline) => {
      await waitUntil(() => bus.activeStreamWriters === 0 && bus.activeStreamReaders === 0, deadline);
      bus.endOpenStreams({
        code: ErrorCode.ServiceUnavailable,
        message: 'The server is restarting; what was generated so far is saved',
      });
    },
  };
}

/**
 * Counts requests in flight (an SSE relay is one until it ends). From the signal on, responses close
 * their connection instead of keeping it alive; at the deadline whatever is left is cut.
 */
function httpParticipant(server: Server, stopListening: boolean): ShutdownParticipant {
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  server.prependListener('request', (_request, response: ServerResponse) => {
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
    if (stopping) response.shouldKeepAlive = false;
  });
  return {
    stopIntake: () => {
      stopping = true;
      // Also closes idle keep-alive connections (Node 19+). Internal services keep theirs: a probe or
      // scrape may be about to reuse one, and they go when the application closes.
      if (stopListening) server.close();
    },
    drain: async (deadline) => {
      await waitUntil(() => inFlight.size === 0, deadline);
      // Other participants end their streams at the same deadline; give those last events a moment to go out.
      await waitUntil(() => inFlight.size === 0, Date.now() + 1_000);
      for (const response of inFlight) response.destroy();
    },
  };
}

/** Resolves when `done()` holds or the deadline passes, whichever is first. */
export async function waitUntil(done: () => boolean, deadline: number, pollMs = 50): Promise<boolean> {
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
  return true;
}

async function settleBy(deadline: number, work: Promise<void>[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(work),
    new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
  ]);
  clearTimeout(timer);
}
