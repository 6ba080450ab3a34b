import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../../config';
import { HashingSlots } from './hashing-slots';

const ALGORITHM = 'scrypt';
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * scrypt password hashes, stored as `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url) so a hash made with
 * an older cost still verifies after PASSWORD_SCRYPT_N changes. At most PASSWORD_HASH_CONCURRENCY run
 * at once (see {@link HashingSlots}).
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly params: ScryptParams;
  private decoyHash: Promise<string> | undefined;
  readonly slots: HashingSlots;

  constructor(@InjectConfig() config: GatewayConfig) {
    this.params = { N: config.PASSWORD_SCRYPT_N, r: BLOCK_SIZE, p: PARALLELISM };
    this.slots = new HashingSlots(config.PASSWORD_HASH_CONCURRENCY, config.PASSWORD_HASH_QUEUE_LIMIT);
  }

  async onModuleInit(): Promise<void> {
    await this.decoy();
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await this.slots.run(() => derive(password, salt, KEY_BYTES, this.params));
    const { N, r, p } = this.params;
    return [ALGORITHM, N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const key = await this.slots.run(() => derive(password, parsed.salt, parsed.key.length, parsed.params));
    return timingSafeEqual(key, parsed.key);
  }

  /** Spends the same work as a real check, so an unknown email answers no faster than a wrong password. */
  async verifyAgainstDecoy(password: string): Promise<false> {
    await this.verify(password, await this.decoy());
    return false;
  }

  /** Made at start-up, so even the first unknown-email login costs exactly one verification. */
  private decoy(): Promise<string> {
    this.decoyHash ??= this.hash(randomBytes(SALT_BYTES).toString('hex'));
    return this.decoyHash;
  }
}

function derive(password: string, salt: Buffer, length: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  // Node refuses above 32 MiB by default, which N=32768, r=8 reaches exactly.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const [algorithm, N, r, p, salt, key, ...rest] = stored.split('$');
  if (algorithm !== ALGORITHM || rest.length > 0 || !salt || !key) return null;
  const params = { N: Number(N), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every((n) => Number.isSafeInteger(n) && n > 0)) return null;
  const keyBytes = Buffer.from(key, 'base64url');
  // An empty key would compare equal to any empty derivation.
  if (keyBytes.length < 16) return null;
  return { params, salt: Buffer.from(salt, 'base64url'), key: keyBytes };
}
