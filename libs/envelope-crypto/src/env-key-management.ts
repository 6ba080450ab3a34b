import { open, seal } from './aes-gcm';
import type { KeyManagementPort, WrappedDataKey } from './key-management.port';
import { insecureDevMasterKey, type MasterKey, type MasterKeySettings } from './master-key-config';
import type { SecretsDomain } from './secrets-domain';

/** Master keys from the environment: the current one wraps, it and the retired ones unwrap. */
export class EnvKeyManagement implements KeyManagementPort {
  readonly currentKeyId: string;
  private readonly current: MasterKey;
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly envPrefix: string;

  constructor(
    private readonly domain: SecretsDomain,
    current: MasterKey,
    retired: readonly MasterKey[] = [],
  ) {
    this.current = current;
    this.currentKeyId = current.id;
    this.byId = new Map([...retired, current].map((key) => [key.id, key.key]));
    this.envPrefix = domain.envPrefix;
  }

  /** From the parsed config; the development key only when no real key is set and it was asked for. */
  static fromConfig(domain: SecretsDomain, settings: MasterKeySettings): EnvKeyManagement {
    const retired = [...settings.retiredMasterKeys];
    const devKey = insecureDevMasterKey(domain);
    if (settings.masterKey !== undefined) {
      // A service once run on the development key can still read what it wrote, while it is rewrapped.
      if (settings.insecureDevMasterKey) retired.push(devKey);
      return new EnvKeyManagement(domain, { id: settings.masterKeyId, key: settings.masterKey }, retired);
    }
    if (!settings.insecureDevMasterKey) throw new Error(`${domain.envPrefix}_MASTER_KEY is not set`);
    return new EnvKeyManagement(domain, devKey, retired);
  }

  get usesInsecureDevelopmentKey(): boolean {
    return this.current.id === insecureDevMasterKey(this.domain).id;
  }

  wrap(dataKey: Buffer, context: string): Promise<WrappedDataKey> {
    return Promise.resolve({
      masterKeyId: this.current.id,
      wrapped: seal(this.current.key, dataKey, wrapContext(this.domain, this.current.id, context)),
    });
  }

  unwrap(key: WrappedDataKey, context: string): Promise<Buffer> {
    const master = this.byId.get(key.masterKeyId);
    if (master === undefined) {
      return Promise.reject(
        new Error(
          `master key ${key.masterKeyId} is not configured (${this.envPrefix}_MASTER_KEY_ID, ${this.envPrefix}_RETIRED_MASTER_KEYS)`,
        ),
      );
    }
    try {
      return Promise.resolve(
        open(master, key.wrapped, wrapContext(this.domain, key.masterKeyId, context), 'data key'),
      );
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
}

// The master key id is authenticated too: a wrapped key relabelled with another id does not open.
const wrapContext = (domain: SecretsDomain, masterKeyId: string, context: string) =>
  `conduit.${domain.name}.data-key:${masterKeyId}:${context}`;
