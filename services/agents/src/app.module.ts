import { Module } from '@nestjs/common';
import { HealthHandler } from './health/health.handler';

// Bus, config (@InjectConfig()), health probes, logs and metrics come with startService. A service that
// owns data adds DatabaseModule.forRoot({ client: PrismaClient }); one that uses Redis, RedisModule.forRoot().
@Module({
  controllers: [HealthHandler],
})
export class AppModule {}
