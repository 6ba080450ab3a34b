import type { GatewayConfig } from '../../config';
import { PasswordHasher } from './password-hasher.service';

const withCost = (N: number) =>
  ({ PASSWORD_SCRYPT_N: N, PASSWORD_HASH_CONCURRENCY: 2, PASSWORD_HASH_QUEUE_LIMIT: 8 }) as GatewayConfig;

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(withCost(1024));

  it('stores a self-describing, salted scrypt hash that verifies only the right password', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await hasher.hash('correct horse battery staple')).not.toBe(stored);
    await expect(hasher.verify('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery stapler', stored)).resolves.toBe(false);
  });

  it('verifies hashes made with another cost, so PASSWORD_SCRYPT_N can change', async () => {
    const stored = await new PasswordHasher(withCost(2048)).hash('s3cret-passw0rd');
    await expect(hasher.verify('s3cret-passw0rd', stored)).resolves.toBe(true);
  });

  it('rejects stored values it does not understand instead of throwing', async () => {
    for (const stored of [
      '',
      'bcrypt$x',
      'scrypt$0$8$1$c2FsdA$aGFzaA',
      'scrypt$1024$8$1$c2FsdA$aGFzaA$extra',
      'scrypt$1024$8$1$c2FsdA$!!!!',
    ]) {
      await expect(hasher.verify('whatever-password', stored)).resolves.toBe(false);
    }
  });

  it('does the same work for an unknown account and always fails', async () => {
    await expect(hasher.verifyAgainstDecoy('correct horse battery staple')).resolves.toBe(false);
  });
});
