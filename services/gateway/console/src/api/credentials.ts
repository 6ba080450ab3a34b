import { ApiError, errorFrom } from './errors';

export interface User {
  id: string;
  email: string;
  [field: string]: unknown;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user?: User;
}

interface Stored {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms after which the access token is no longer used. */
  expiresAt: number;
}

const STORAGE_KEY = 'conduit.console.credentials';
/** Refresh this long before the access token expires, so a request never leaves with a stale one. */
const REFRESH_MARGIN_MS = 30_000;

/**
 * The signed-in user's tokens. Kept in sessionStorage: they survive a reload (so an answer in flight
 * resumes) but not the tab, and no other origin can read them; the strict CSP keeps scripts out.
 * Refresh tokens rotate, so refreshing is single-flight: concurrent requests share one refresh.
 */
export class Credentials {
  private stored: Stored | null = readStored();
  private refreshing: Promise<string> | null = null;
  private readonly listeners = new Set<(signedIn: boolean) => void>();

  get signedIn(): boolean {
    return this.stored !== null;
  }

  onChange(listener: (signedIn: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async signIn(mode: 'register' | 'login', email: string, password: string): Promise<User> {
    const pair = await authRequest(mode, { email, password });
    this.save(pair);
    return pair.user ?? { id: '', email };
  }

  async signOut(): Promise<void> {
    const stored = this.stored;
    this.clear();
    if (stored) await authRequest('logout', { refreshToken: stored.refreshToken }).catch(() => undefined);
  }

  /** The access token if it can be used as it is (not about to expire), else null. */
  freshAccessToken(): string | null {
    return this.stored && Date.now() < this.stored.expiresAt - REFRESH_MARGIN_MS
      ? this.stored.accessToken
      : null;
  }

  /** A usable access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    if (!this.stored) throw new ApiError(401, 'Signed out: sign in again.');
    return this.freshAccessToken() ?? this.refresh();
  }

  /** Exchanges the refresh token for a new pair (once for all callers waiting at the same time). */
  refresh(): Promise<string> {
    this.refreshing ??= (async () => {
      const stored = this.stored;
      if (!stored) throw new ApiError(401, 'Signed out: sign in again.');
      try {
        const pair = await authRequest('refresh', { refreshToken: stored.refreshToken });
        this.save(pair);
        return pair.accessToken;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) this.clear();
        throw error;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private save(pair: TokenPair): void {
    const wasSignedIn = this.signedIn;
    this.stored = {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresAt: Date.now() + pair.expiresIn * 1000,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.stored));
    if (!wasSignedIn) this.listeners.forEach((listener) => listener(true));
  }

  private clear(): void {
    const wasSignedIn = this.signedIn;
    this.stored = null;
    sessionStorage.removeItem(STORAGE_KEY);
    if (wasSignedIn) this.listeners.forEach((listener) => listener(false));
  }
}

function readStored(): Stored | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Stored | null;
    return value && typeof value.refreshToken === 'string' ? value : null;
  } catch {
    return null;
  }
}

async function authRequest(
  path: 'register' | 'login' | 'refresh' | 'logout',
  body: unknown,
): Promise<TokenPair> {
  const response = await fetch(`/api/v1/auth/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await errorFrom(response);
  return response.status === 204 ? ({} as TokenPair) : ((await response.json()) as TokenPair);
}
