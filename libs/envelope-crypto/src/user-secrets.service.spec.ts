import { randomBytes } from 'node:crypto';
import { UnreadableCiphertextError } from './aes-gcm';
import type { DataKeyRepository, StoredDataKey } from './data-key.repository';
import { EnvKeyManagement } from './env-key-management';
import type { WrappedDataKey } from './key-management.port';
import type { MasterKey } from './master-key-config';
import { masterKeyConfigCheck, masterKeyConfigSchema, masterKeySettings } from './master-key-config';
import { UserSecrets } from './user-secrets.service';

/** The repository's contract, in memory: what UserSecrets relies on. */
class InMemoryDataKeys implements Pick<DataKeyRepository, keyof DataKeyRepository> {
  readonly rows = new Map<string, WrappedDataKey>();
  find(userId: string) {
    return Promise.resolve(this.rows.get(userId) ?? null);
  }
  insertIfAbsent(userId: string, key: WrappedDataKey) {
    if (!this.rows.has(userId)) this.rows.set(userId, key);
    return Promise.resolve(this.rows.get(userId)!);
  }
  listWrappedByOtherThan(masterKeyId: string, limit: number) {
    const rows: StoredDataKey[] = [...this.rows]
      .filter(([, key]) => key.masterKeyId !== masterKeyId)
      .map(([userId, key]) => ({ userId, ...key }));
    return Promise.resolve(rows.slice(0, limit));
  }
  rewrap(userId: string, from: WrappedDataKey, to: WrappedDataKey) {
    const now = this.rows.get(userId);
    if (!now || now.masterKeyId !== from.masterKeyId || !now.wrapped.equals(from.wrapped)) {
      return Promise.resolve(false);
    }
    this.rows.set(userId, to);
    return Promise.resolve(true);
  }
}

const masterKey = (id: string) => ({ id, key: randomBytes(32) });
const agents = { envPrefix: 'AGENTS', name: 'agents' };
const keysOf = (current: MasterKey, retired: MasterKey[] = []) =>
  new EnvKeyManagement(agents, current, retired);

describe('UserSecrets (envelope encryption)', () => {
  const v1 = masterKey('v1');
  let dataKeys: InMemoryDataKeys;
  let secrets: UserSecrets;

  beforeEach(() => {
    dataKeys = new InMemoryDataKeys();
    secrets = new UserSecrets(keysOf(v1), dataKeys, agents);
  });

  it('round-trips a secret and stores only a wrapped data key per user', async () => {
    const sealed = await secrets.encrypt('alice', 'gho_token', 'connection:1:access');
    expect(sealed.includes(Buffer.from('gho_token'))).toBe(false);
    await expect(secrets.decrypt('alice', sealed, 'connection:1:access')).resolves.toBe('gho_token');
    await secrets.encrypt('alice', 'another', 'connection:2:access');
    expect(dataKeys.rows.size).toBe(1);
    expect(dataKeys.rows.get('alice')).toMatchObject({ masterKeyId: 'v1' });
    expect(dataKeys.rows.get('alice')!.wrapped.length).toBe(12 + 16 + 32);
  });

  it('detects tampering with a sealed secret', async () => {
    const sealed = await secrets.encrypt('alice', 'gho_token', 'ctx');
    for (const index of [1, 20, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[index] = altered[index]! ^ 0x80;
      await expect(secrets.decrypt('alice', altered, 'ctx')).rejects.toThrow(UnreadableCiphertextError);
    }
    await expect(
      secrets.decrypt('alice', Buffer.concat([Buffer.of(9), sealed.subarray(1)]), 'ctx'),
    ).rejects.toThrow(UnreadableCiphertextError);
  });

  it("does not open one user's secret with another user's key, nor in another context", async () => {
    const sealed = await secrets.encrypt('alice', 'gho_token', 'ctx');
    await secrets.encrypt('bob', 'bobs', 'ctx');
    await expect(secrets.decrypt('bob', sealed, 'ctx')).rejects.toThrow(UnreadableCiphertextError);
    await expect(secrets.decrypt('mallory', sealed, 'ctx')).rejects.toThrow(UnreadableCiphertextError);
    await expect(secrets.decrypt('alice', sealed, 'other-ctx')).rejects.toThrow(UnreadableCiphertextError);
  });

  it("refuses a data key moved to another user's row", async () => {
    const sealed = await secrets.encrypt('alice', 'gho_token', 'ctx');
    await secrets.encrypt('bob', 'bobs', 'ctx');
    dataKeys.rows.set('bob', dataKeys.rows.get('alice')!);
    await expect(secrets.decrypt('bob', sealed, 'ctx')).rejects.toThrow(UnreadableCiphertextError);
  });

  it('fails clearly under the wrong master key', async () => {
    const sealed = await secrets.encrypt('alice', 'gho_token', 'ctx');
    const otherKeySameId = new UserSecrets(keysOf(masterKey('v1')), dataKeys, agents);
    await expect(otherKeySameId.decrypt('alice', sealed, 'ctx')).rejects.toThrow(UnreadableCiphertextError);
    const unknownId = new UserSecrets(keysOf(masterKey('v9')), dataKeys, agents);
    await expect(unknownId.decrypt('alice', sealed, 'ctx')).rejects.toThrow(
      /master key v1 is not configured/,
    );
  });

  it('rotates the master key: old secrets still open, data keys are rewrapped, the retired key can go', async () => {
    const aliceSecret = await secrets.encrypt('alice', 'alice-token', 'ctx');
    const bobSecret = await secrets.encrypt('bob', 'bob-token', 'ctx');
    const v2 = masterKey('v2');

    const rotating = new UserSecrets(keysOf(v2, [v1]), dataKeys, agents);
    await expect(rotating.decrypt('alice', aliceSecret, 'ctx')).resolves.toBe('alice-token');
    await rotating.encrypt('carol', 'carol-token', 'ctx');
    expect(dataKeys.rows.get('carol')!.masterKeyId).toBe('v2');

    await expect(rotating.rewrapRetired()).resolves.toBe(2);
    expect([...dataKeys.rows.values()].map((key) => key.masterKeyId)).toEqual(['v2', 'v2', 'v2']);
    await expect(rotating.rewrapRetired()).resolves.toBe(0);

    const rotated = new UserSecrets(keysOf(v2), dataKeys, agents);
    await expect(rotated.decrypt('alice', aliceSecret, 'ctx')).resolves.toBe('alice-token');
    await expect(rotated.decrypt('bob', bobSecret, 'ctx')).resolves.toBe('bob-token');
  });

  it('leaves a data key it cannot unwrap where it is and rewraps the rest', async () => {
    await secrets.encrypt('alice', 'alice-token', 'ctx');
    const lost = masterKey('v0');
    dataKeys.rows.set('zed', { masterKeyId: lost.id, wrapped: randomBytes(60) });
    const rotating = new UserSecrets(keysOf(masterKey('v2'), [v1]), dataKeys, agents);
    await expect(rotating.rewrapRetired()).resolves.toBe(1);
    expect(dataKeys.rows.get('zed')!.masterKeyId).toBe('v0');
  });
});

describe('master key configuration', () => {
  const schema = masterKeyConfigSchema('AGENTS').superRefine(masterKeyConfigCheck('AGENTS'));
  const key = randomBytes(32).toString('base64');
  const problems = (env: Record<string, string>) => {
    const parsed = schema.safeParse(env);
    return parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('refuses to start without a master key unless the development key is asked for by name', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^AGENTS_MASTER_KEY: required/)]);
    expect(problems({ AGENTS_INSECURE_DEV_MASTER_KEY: 'true' })).toEqual([]);
    const dev = EnvKeyManagement.fromConfig(
      agents,
      masterKeySettings('AGENTS', schema.parse({ AGENTS_INSECURE_DEV_MASTER_KEY: 'true' })),
    );
    expect(dev.usesInsecureDevelopmentKey).toBe(true);
  });

  it('takes base64 of exactly 32 bytes', () => {
    expect(problems({ AGENTS_MASTER_KEY: key })).toEqual([]);
    expect(problems({ AGENTS_MASTER_KEY: randomBytes(16).toString('base64') })[0]).toMatch(/32 random bytes/);
    expect(problems({ AGENTS_MASTER_KEY: 'not base64!' })[0]).toMatch(/32 random bytes/);
  });

  it('reads retired keys as id:base64 and refuses repeated ids', () => {
    const parsed = schema.parse({
      AGENTS_MASTER_KEY: key,
      AGENTS_MASTER_KEY_ID: 'v3',
      AGENTS_RETIRED_MASTER_KEYS: `v2:${key}, v1:${key}`,
    });
    expect(parsed.AGENTS_RETIRED_MASTER_KEYS.map((k) => k.id)).toEqual(['v2', 'v1']);
    expect(problems({ AGENTS_MASTER_KEY: key, AGENTS_RETIRED_MASTER_KEYS: `v1:${key}` })[0]).toMatch(
      /must differ/,
    );
    expect(problems({ AGENTS_MASTER_KEY: key, AGENTS_RETIRED_MASTER_KEYS: 'v0' })[0]).toMatch(/id:base64/);
  });
});

describe('secrets of two services', () => {
  it("keeps one service's secrets and data keys unreadable to another's, even under the same master key", async () => {
    const master = masterKey('v1');
    const dataKeys = new InMemoryDataKeys();
    const health = { envPrefix: 'HEALTH', name: 'health-data' };
    const agentSecrets = new UserSecrets(keysOf(master), dataKeys, agents);
    const healthSecrets = new UserSecrets(new EnvKeyManagement(health, master), dataKeys, health);
    const sealed = await agentSecrets.encrypt('alice', 'token', 'ctx');
    await expect(healthSecrets.decrypt('alice', sealed, 'ctx')).rejects.toThrow(UnreadableCiphertextError);
  });

  it("reads the service's own variables and names them in its errors", () => {
    const schema = masterKeyConfigSchema('HEALTH').superRefine(masterKeyConfigCheck('HEALTH'));
    const parsed = schema.safeParse({ AGENTS_MASTER_KEY: randomBytes(32).toString('base64') });
    expect(parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'))).toEqual([
      'HEALTH_MASTER_KEY',
    ]);
    const key = randomBytes(32);
    const settings = masterKeySettings(
      'HEALTH',
      schema.parse({ HEALTH_MASTER_KEY: key.toString('base64'), HEALTH_MASTER_KEY_ID: 'h1' }),
    );
    expect(settings).toMatchObject({ masterKeyId: 'h1', masterKey: key, insecureDevMasterKey: false });
  });
});
