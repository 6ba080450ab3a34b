export * from './sdk-clients';
