export * from './config';
export * from './logger';
export * from './bus.module';
export * from './health.module';
export * from './start-service';
