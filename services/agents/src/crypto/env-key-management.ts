import { open, seal } from './aes-gcm';
import type { KeyManagementPort, WrappedDataKey } from './key-management.port';
import { INSECURE_DEV_MASTER_KEY, type MasterKey, type MasterKeyConfig } from './master-key-config';

/** Master keys from the environment: the current one wraps, it and the retired ones unwrap. */
export class EnvKeyManagement implements KeyManagementPort {
  readonly currentKeyId: string;
  private readonly current: MasterKey;
  private readonly byId: ReadonlyMap<string, Buffer>;

  constructor(current: MasterKey, retired: readonly MasterKey[] = []) {
    this.current = current;
    this.currentKeyId = current.id;
    this.byId = new Map([...retired, current].map((key) => [key.id, key.key]));
  }

  /** From the parsed config; the development key only when no real key is set and it was asked for. */
  static fromConfig(config: MasterKeyConfig): EnvKeyManagement {
    const retired = [...config.AGENTS_RETIRED_MASTER_KEYS];
    if (config.AGENTS_MASTER_KEY !== undefined) {
      // A service once run on the development key can still read what it wrote, while it is rewrapped.
      if (config.AGENTS_INSECURE_DEV_MASTER_KEY) retired.push(INSECURE_DEV_MASTER_KEY);
      return new EnvKeyManagement(
        { id: config.AGENTS_MASTER_KEY_ID, key: config.AGENTS_MASTER_KEY },
        retired,
      );
    }
    if (!config.AGENTS_INSECURE_DEV_MASTER_KEY) throw new Error('AGENTS_MASTER_KEY is not set');
    return new EnvKeyManagement(INSECURE_DEV_MASTER_KEY, retired);
  }

  get usesInsecureDevelopmentKey(): boolean {
    return this.current.id === INSECURE_DEV_MASTER_KEY.id;
  }

  wrap(dataKey: Buffer, context: string): Promise<WrappedDataKey> {
    return Promise.resolve({
      masterKeyId: this.current.id,
      wrapped: seal(this.current.key, dataKey, wrapContext(this.current.id, context)),
    });
  }

  unwrap(key: WrappedDataKey, context: string): Promise<Buffer> {
    const master = this.byId.get(key.masterKeyId);
    if (master === undefined) {
      return Promise.reject(
        new Error(
          `master key ${key.masterKeyId} is not configured (AGENTS_MASTER_KEY_ID, AGENTS_RETIRED_MASTER_KEYS)`,
        ),
      );
    }
    try {
      return Promise.resolve(open(master, key.wrapped, wrapContext(key.masterKeyId, context), 'data key'));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
}

// The master key id is authenticated too: a wrapped key relabelled with another id does not open.
const wrapContext = (masterKeyId: string, context: string) =>
  `conduit.agents.data-key:${masterKeyId}:${context}`;
