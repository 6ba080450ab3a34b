export * from './sdk-clients';
export * from './google-genai';
