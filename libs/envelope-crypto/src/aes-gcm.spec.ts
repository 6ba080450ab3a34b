import { randomBytes } from 'node:crypto';
import { open, seal, UnreadableCiphertextError } from './aes-gcm';

describe('AES-256-GCM sealing', () => {
  const key = randomBytes(32);

  it('opens what it sealed, with a fresh nonce each time', () => {
    const plain = Buffer.from('refresh-token-123');
    const a = seal(key, plain, 'ctx');
    const b = seal(key, plain, 'ctx');
    expect(a.equals(b)).toBe(false);
    expect(open(key, a, 'ctx').toString()).toBe('refresh-token-123');
  });

  it.each([
    ['the nonce', 0],
    ['the tag', 14],
    ['the ciphertext', 30],
  ])('detects a flipped bit in %s', (_part, index) => {
    const sealed = seal(key, Buffer.from('a secret value'), 'ctx');
    sealed[index] = sealed[index]! ^ 0x01;
    expect(() => open(key, sealed, 'ctx')).toThrow(UnreadableCiphertextError);
  });

  it('refuses another context, another key, and a truncated value', () => {
    const sealed = seal(key, Buffer.from('a secret value'), 'ctx');
    expect(() => open(key, sealed, 'other')).toThrow(UnreadableCiphertextError);
    expect(() => open(randomBytes(32), sealed, 'ctx')).toThrow(UnreadableCiphertextError);
    expect(() => open(key, sealed.subarray(0, 20), 'ctx')).toThrow(UnreadableCiphertextError);
  });

  it('takes 256-bit keys only', () => {
    expect(() => seal(randomBytes(16), Buffer.from('x'), 'ctx')).toThrow(/32 bytes/);
  });
});
