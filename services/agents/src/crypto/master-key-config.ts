import { createHash } from 'node:crypto';
import { z } from 'zod';
import { KEY_BYTES } from './aes-gcm';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

const base64Key = z
  .string()
  .trim()
  .refine((text) => /^[A-Za-z0-9+/]+={0,2}$/.test(text) && Buffer.from(text, 'base64').length === KEY_BYTES, {
    message: `must be the base64 of ${KEY_BYTES} random bytes (openssl rand -base64 ${KEY_BYTES})`,
  })
  .transform((text) => Buffer.from(text, 'base64'));

/** A master key and its id: the id is stored with every data key it wraps. */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The env master keys: the current one, and retired ones that only unwrap (during a rotation). Refined in
 * the service's config: without a current key the service does not start, unless the insecure development
 * key is asked for by name.
 */
export const MasterKeyConfigSchema = z.object({
  /** Where master keys live: `env` (the variables below). A KMS adapter would add its name here. */
  AGENTS_KEY_MANAGEMENT: z.enum(['env']).default('env'),
  /** The current master key, base64 of 32 random bytes. */
  AGENTS_MASTER_KEY: base64Key.optional(),
  /** Its id, stored with each data key it wraps; give a new key a new id. */
  AGENTS_MASTER_KEY_ID: z.string().regex(KEY_ID, 'letters, digits, ".", "_" or "-" (max 64)').default('v1'),
  /** Earlier master keys, `id:base64` separated by commas: read only, until every data key is rewrapped. */
  AGENTS_RETIRED_MASTER_KEYS: z
    .string()
    .default('')
    .transform((list, context): MasterKey[] => {
      const keys: MasterKey[] = [];
      for (const entry of list.split(',').map((part) => part.trim())) {
        if (entry === '') continue;
        const colon = entry.indexOf(':');
        const id = entry.slice(0, colon);
        const key = base64Key.safeParse(entry.slice(colon + 1));
        if (colon < 1 || !KEY_ID.test(id) || !key.success) {
          context.addIssue({ code: 'custom', message: 'each entry must be id:base64-of-32-bytes' });
          return z.NEVER;
        }
        keys.push({ id, key: key.data });
      }
      return keys;
    }),
  /**
   * Local development only: with no AGENTS_MASTER_KEY, use a fixed key that is written in this source
   * code (so anything it protects is protected from nobody). Never set it where real accounts connect.
   */
  AGENTS_INSECURE_DEV_MASTER_KEY: z.stringbool().default(false),
});
export type MasterKeyConfig = z.output<typeof MasterKeyConfigSchema>;

export const INSECURE_DEV_MASTER_KEY: MasterKey = {
  id: 'insecure-dev',
  key: createHash('sha256').update('conduit agents: insecure development master key').digest(),
};

/** The start-up check: a real master key, or the development key asked for by name. */
export function checkMasterKeyConfig(config: MasterKeyConfig, context: z.RefinementCtx): void {
  if (config.AGENTS_MASTER_KEY === undefined && !config.AGENTS_INSECURE_DEV_MASTER_KEY) {
    context.addIssue({
      code: 'custom',
      path: ['AGENTS_MASTER_KEY'],
      message:
        "required: the master key that encrypts users' data keys (openssl rand -base64 32); " +
        'for local development only, AGENTS_INSECURE_DEV_MASTER_KEY=true uses a publicly known key instead',
    });
  }
  const ids = [config.AGENTS_MASTER_KEY_ID, ...config.AGENTS_RETIRED_MASTER_KEYS.map((key) => key.id)];
  if (new Set(ids).size !== ids.length) {
    context.addIssue({
      code: 'custom',
      path: ['AGENTS_RETIRED_MASTER_KEYS'],
      message: 'master key ids must differ from each other and from AGENTS_MASTER_KEY_ID',
    });
  }
}
