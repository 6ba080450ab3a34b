import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { SERVICE_LOGGER } from './metrics/observability.module';
import { ShutdownCoordinator } from './shutdown-coordinator';
import { listeningMetricsPort, listeningPort } from './start-service';

export interface RunServiceOptions<C> {
  service: string;
  /** Parses the environment; a bad variable ends the process with the list of problems. */
  loadConfig: () => C;
  /** The service's `start<Name>(config)`, the same one its tests call. */
  start: (config: C) => Promise<INestApplication>;
}

/**
 * What a service's main.ts does: load the config, start, say one line when ready, and shut down
 * gracefully on SIGTERM/SIGINT. Any failure before that ends the process with exit code 1.
 */
export function runService<C>(options: RunServiceOptions<C>): void {
  const fail = (error: unknown) => {
    console.error(
      `${options.service} did not start: ${error instanceof Error ? error.message : String(error)}`,
    );
    if (error instanceof Error && error.stack && !error.message.startsWith('Invalid configuration')) {
      console.error(error.stack);
    }
    process.exit(1);
  };
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    fail(error);
    return;
  }
  options.start(config).then((app) => {
    app.get(ShutdownCoordinator).exitOnSignals();
    app
      .get<Logger>(SERVICE_LOGGER)
      .info({ port: listeningPort(app), metricsPort: listeningMetricsPort(app) }, `${options.service} ready`);
  }, fail);
}
