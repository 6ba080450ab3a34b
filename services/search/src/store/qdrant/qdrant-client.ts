import { createRequire } from 'node:module';

export type { QdrantClient, Schemas } from '@qdrant/js-client-rest' with { 'resolution-mode': 'import' };

type QdrantModule = typeof import('@qdrant/js-client-rest', { with: { 'resolution-mode': 'import' } });

/**
 * The client's types are published as ESM only, while the package also exports a CommonJS build under
 * its "require" condition: this service (CommonJS) loads that build.
 */
export const { QdrantClient: QdrantClientClass } = createRequire(__filename)(
  '@qdrant/js-client-rest',
) as QdrantModule;
