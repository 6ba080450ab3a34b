import {
  Controller,
  Get,
  Global,
  HttpCode,
  Injectable,
  Module,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { ShutdownCoordinator } from './shutdown-coordinator';

export type ReadinessCheck = () => Promise<void>;

/** Dependencies that must answer for the process to take traffic; each module registers its own. */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  constructor(
    bus: Bus,
    private readonly shutdown: ShutdownCoordinator,
  ) {
    this.register('nats', async () => {
      if (!bus.connected) throw new Error('not connected');
    });
  }

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async run(timeoutMs = 2_000): Promise<{ ready: boolean; checks: Record<string, string> }> {
    // A process that is shutting down takes no new traffic, whatever its dependencies say.
    if (this.shutdown.isShuttingDown) return { ready: false, checks: { shutdown: 'in progress' } };
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await outcome(check, timeoutMs)] as const),
    );
    return { ready: entries.every(([, result]) => result === 'ok'), checks: Object.fromEntries(entries) };
  }
}

async function outcome(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs))),
    ]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : 'failed';
  } finally {
    clearTimeout(timer);
  }
}

@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessRegistry) {}

  @Get('healthz')
  @HttpCode(200)
  alive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(): Promise<{ status: 'ready'; checks: Record<string, string> }> {
    const result = await this.readiness.run();
    if (!result.ready) throw new ServiceUnavailableException({ message: 'Not ready', checks: result.checks });
    return { status: 'ready', checks: result.checks };
  }
}

@Global()
@Module({
  controllers: [HealthController],
  providers: [ReadinessRegistry, ShutdownCoordinator],
  exports: [ReadinessRegistry, ShutdownCoordinator],
})
export class HealthModule {}
