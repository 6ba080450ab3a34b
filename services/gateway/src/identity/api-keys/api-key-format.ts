import { randomSecret } from '../secret-token';

/** Marks our keys so they are recognisable in code, logs and secret scanners, and told apart from JWTs. */
export const API_KEY_PREFIX = 'ck_';
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
const API_KEY_PATTERN = /^ck_[A-Za-z0-9_-]{43}$/;

export function newApiKey(): { key: string; displayPrefix: string } {
  const key = `${API_KEY_PREFIX}${randomSecret()}`;
  return { key, displayPrefix: key.slice(0, DISPLAY_PREFIX_LENGTH) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function isWellFormedApiKey(token: string): boolean {
  return API_KEY_PATTERN.test(token);
}
