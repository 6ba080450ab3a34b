export * from './errors';
export * from './envelope';
export * from './definitions';
export * from './chat';
export * from './gateway-ws';
export * from './usage';
