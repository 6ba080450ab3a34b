import type * as OAuth from 'oauth4webapi' with { 'resolution-mode': 'import' };

// oauth4webapi is ESM-only: Node 22 loads it with require() (require(esm)), which TypeScript's node16
// module mode does not model, so the types are imported as ESM and the module required.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const oauth = require('oauth4webapi') as typeof OAuth;
export type { OAuth };
