import { createHash } from 'node:crypto';
import { z } from 'zod';
import { KEY_BYTES } from './aes-gcm';
import type { SecretsDomain } from './secrets-domain';

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

/** The variables, each named `<envPrefix>_<name>`. */
const fields = {
  /** Where master keys live: `env` (the variables below). A KMS adapter would add its name here. */
  KEY_MANAGEMENT: z.enum(['env']).default('env'),
  /** The current master key, base64 of 32 random bytes. */
  MASTER_KEY: base64Key.optional(),
  /** Its id, stored with each data key it wraps; give a new key a new id. */
  MASTER_KEY_ID: z.string().regex(KEY_ID, 'letters, digits, ".", "_" or "-" (max 64)').default('v1'),
  /** Earlier master keys, `id:base64` separated by commas: read only, until every data key is rewrapped. */
  RETIRED_MASTER_KEYS: z
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
   * Local development only: with no master key, use a fixed key derived from text in this source code
   * (so anything it protects is protected from nobody). Never set it where real accounts connect.
   */
  INSECURE_DEV_MASTER_KEY: z.stringbool().default(false),
};
type Fields = typeof fields;

/** The zod shape of one service's master key variables (`AGENTS_MASTER_KEY`, ...). */
export type MasterKeyShape<P extends string> = { [K in keyof Fields as `${P}_${K}`]: Fields[K] };
export type MasterKeyConfig<P extends string> = z.output<z.ZodObject<MasterKeyShape<P>>>;

/**
 * The env master keys of a service: the current one, and retired ones that only unwrap (during a
 * rotation). Refine the service's config with {@link masterKeyConfigCheck}: without a current key the
 * service does not start, unless the insecure development key is asked for by name.
 */
export function masterKeyConfigSchema<P extends string>(envPrefix: P): z.ZodObject<MasterKeyShape<P>> {
  const shape = Object.fromEntries(
    Object.entries(fields).map(([name, field]) => [`${envPrefix}_${name}`, field]),
  ) as MasterKeyShape<P>;
  // z.object maps the shape to a writable copy of itself: the same fields.
  return z.object(shape) as unknown as z.ZodObject<MasterKeyShape<P>>;
}

/** The parsed variables of one service, by their names without its prefix. */
export interface MasterKeySettings {
  readonly envPrefix: string;
  readonly keyManagement: 'env';
  readonly masterKey: Buffer | undefined;
  readonly masterKeyId: string;
  readonly retiredMasterKeys: readonly MasterKey[];
  readonly insecureDevMasterKey: boolean;
}

export function masterKeySettings<P extends string>(
  envPrefix: P,
  config: MasterKeyConfig<P>,
): MasterKeySettings {
  const read = <K extends keyof Fields>(name: K) =>
    (config as Record<string, unknown>)[`${envPrefix}_${name}`] as z.output<Fields[K]>;
  return {
    envPrefix,
    keyManagement: read('KEY_MANAGEMENT'),
    masterKey: read('MASTER_KEY'),
    masterKeyId: read('MASTER_KEY_ID'),
    retiredMasterKeys: read('RETIRED_MASTER_KEYS'),
    insecureDevMasterKey: read('INSECURE_DEV_MASTER_KEY'),
  };
}

/** The publicly known development key of a domain (AGENTS_INSECURE_DEV_MASTER_KEY and the like). */
export function insecureDevMasterKey(domain: SecretsDomain): MasterKey {
  return {
    id: 'insecure-dev',
    key: createHash('sha256').update(`conduit ${domain.name}: insecure development master key`).digest(),
  };
}

/** The start-up check: a real master key, or the development key asked for by name. */
export function masterKeyConfigCheck<P extends string>(
  envPrefix: P,
): (config: MasterKeyConfig<P>, context: z.RefinementCtx) => void {
  return (config, context) => {
    const settings = masterKeySettings(envPrefix, config);
    if (settings.masterKey === undefined && !settings.insecureDevMasterKey) {
      context.addIssue({
        code: 'custom',
        path: [`${envPrefix}_MASTER_KEY`],
        message:
          "required: the master key that encrypts users' data keys (openssl rand -base64 32); " +
          `for local development only, ${envPrefix}_INSECURE_DEV_MASTER_KEY=true uses a publicly known key instead`,
      });
    }
    const ids = [settings.masterKeyId, ...settings.retiredMasterKeys.map((key) => key.id)];
    if (new Set(ids).size !== ids.length) {
      context.addIssue({
        code: 'custom',
        path: [`${envPrefix}_RETIRED_MASTER_KEYS`],
        message: `master key ids must differ from each other and from ${envPrefix}_MASTER_KEY_ID`,
      });
    }
  };
}
