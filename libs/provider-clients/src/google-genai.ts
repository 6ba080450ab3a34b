/**
 * `@google/genai` for CommonJS services: the package runs as CommonJS under Node (its `require` export,
 * `dist/node/index.cjs`), but its type declarations are ES modules only, which a CommonJS file may not
 * `import` by name. So the module is required at run time and typed from those declarations.
 */
type GoogleGenAIModule = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });

// eslint-disable-next-line @typescript-eslint/no-require-imports
const genai = require('@google/genai') as GoogleGenAIModule;

export const { ApiError, GoogleGenAI, Modality } = genai;
export type GoogleGenAIClient = InstanceType<GoogleGenAIModule['GoogleGenAI']>;
export type GenerateContentResponse = InstanceType<GoogleGenAIModule['GenerateContentResponse']>;
export type LiveServerMessage = InstanceType<GoogleGenAIModule['LiveServerMessage']>;
export type LiveSession = InstanceType<GoogleGenAIModule['Session']>;
export type UsageMetadata = import('@google/genai', { with: { 'resolution-mode': 'import' } }).UsageMetadata;
