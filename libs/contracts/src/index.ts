export * from './errors';
export * from './envelope';
export * from './definitions';
export * from './chat';
