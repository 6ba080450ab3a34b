export * from './docker-engine';
export * from './test-env';
export * from './fake-providers';
export * from './service-process';
export * from './sse-client';
export * from './nats-server-process';
export * from './wait-for';
export * from './speech-audio';
