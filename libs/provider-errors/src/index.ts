export * from './provider-error';
export * from './provider-error-mapper';
export * from './sdk-error-readers';
export * from './stream-end';
