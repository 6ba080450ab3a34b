export * from './docker-engine';
export * from './test-env';
