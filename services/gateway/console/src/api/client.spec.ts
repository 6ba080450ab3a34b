import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ApiClient } from './client';
import { Credentials } from './credentials';

interface Sent {
  path: string;
  authorization?: string;
}

/** The browser globals the client uses: sessionStorage, and a fetch that records what was sent. */
function fakeBrowser(expiresIn: number) {
  const sent: Sent[] = [];
  const stored = new Map<string, string>();
  Object.assign(globalThis, {
    sessionStorage: {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => stored.set(key, value),
      removeItem: (key: string) => stored.delete(key),
    },
    fetch: (path: string, init: RequestInit = {}) => {
      sent.push({ path, authorization: (init.headers as Record<string, string> | undefined)?.authorization });
      const pair = { accessToken: `token-${sent.length}`, refreshToken: `refresh-${sent.length}`, expiresIn };
      const body = path.startsWith('/api/v1/auth/') ? pair : { ok: true };
      return Promise.resolve(Response.json(body));
    },
  });
  return sent;
}

describe('ApiClient.request', () => {
  const saved = {
    fetch: globalThis.fetch,
    sessionStorage: (globalThis as { sessionStorage?: unknown }).sessionStorage,
  };
  afterEach(() => {
    Object.assign(globalThis, saved);
  });

  describe('with a fresh access token', () => {
    let sent: Sent[];
    let client: ApiClient;
    beforeEach(async () => {
      sent = fakeBrowser(900);
      const credentials = new Credentials();
      await credentials.signIn('login', 'ada@example.com', 'correct horse battery');
      client = new ApiClient(credentials);
      sent.length = 0;
    });

    it('sends the request before it returns to its caller, so the caller draws while it travels', async () => {
      const answer = client.request('/api/v1/me');
      expect(sent).toEqual([{ path: '/api/v1/me', authorization: 'Bearer token-1' }]);
      await expect(answer).resolves.toBeInstanceOf(Response);
    });
  });

  it('refreshes a token about to expire before sending, and sends with the new one', async () => {
    const sent = fakeBrowser(10); // within the refresh margin from the start
    const credentials = new Credentials();
    await credentials.signIn('login', 'ada@example.com', 'correct horse battery');
    sent.length = 0;
    await new ApiClient(credentials).request('/api/v1/me');
    expect(sent).toEqual([
      { path: '/api/v1/auth/refresh', authorization: undefined },
      { path: '/api/v1/me', authorization: 'Bearer token-1' },
    ]);
  });
});
