import { startTestGateway, type TestGateway } from './support/gateway-test-app';

const YEAR = 365 * 24 * 3600;

describe('security headers', () => {
  let direct: TestGateway;
  let behindProxy: TestGateway;

  beforeAll(async () => {
    direct = await startTestGateway();
    behindProxy = await startTestGateway({ TRUST_PROXY: ['loopback'], HSTS_MAX_AGE_SECONDS: 600 });
  });

  afterAll(async () => {
    await Promise.all([direct?.close(), behindProxy?.close()]);
  });

  const get = (gateway: TestGateway, path: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.baseUrl}${path}`, { headers });

  it('sends nosniff, a deny-everything CSP and framing and referrer policies on API answers, errors included', async () => {
    for (const response of [
      await get(direct, '/healthz'),
      await get(direct, '/api/v1/me'),
      await get(direct, '/no/such/route'),
      await get(direct, '/openapi.json'),
    ]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none';frame-ancestors 'none'",
      );
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-powered-by')).toBeNull();
      await response.arrayBuffer();
    }
  });

  it('sends HSTS only on HTTPS: never over plain HTTP, and X-Forwarded-Proto counts only from a trusted proxy', async () => {
    expect((await get(direct, '/healthz')).headers.get('strict-transport-security')).toBeNull();
    const spoofed = await get(direct, '/healthz', { 'x-forwarded-proto': 'https' });
    expect(spoofed.headers.get('strict-transport-security')).toBeNull();

    const viaProxy = await get(behindProxy, '/healthz', { 'x-forwarded-proto': 'https' });
    expect(viaProxy.headers.get('strict-transport-security')).toBe('max-age=600; includeSubDomains');
    const plainViaProxy = await get(behindProxy, '/healthz', { 'x-forwarded-proto': 'http' });
    expect(plainViaProxy.headers.get('strict-transport-security')).toBeNull();
  });

  it('defaults HSTS to a year, and 0 turns it off', async () => {
    expect(direct.config.HSTS_MAX_AGE_SECONDS).toBe(YEAR);
    const off = await startTestGateway({ TRUST_PROXY: ['loopback'], HSTS_MAX_AGE_SECONDS: 0 });
    try {
      const response = await get(off, '/healthz', { 'x-forwarded-proto': 'https' });
      expect(response.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await off.close();
    }
  });

  it('serves /docs under a CSP Swagger UI works with: no inline script, every script and style from this origin with its own type', async () => {
    const page = await get(direct, '/docs');
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("connect-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();

    // script-src 'self' forbids inline scripts: every script must come from a URL on this origin.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(inline?.trim()).toBe('');
      expect(attributes).toMatch(/src="\/docs\/assets\//);
    }
    // nosniff makes browsers refuse a script or stylesheet served with another type.
    const assets = [...html.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets).toEqual(
      expect.arrayContaining(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-initializer.js']),
    );
    for (const asset of assets) {
      const response = await get(direct, asset);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(
        asset.endsWith('.css') ? /^text\/css/ : /^application\/javascript/,
      );
      await response.arrayBuffer();
    }
    const initializer = await (await get(direct, '/docs/assets/swagger-initializer.js')).text();
    expect(initializer).toContain("url: '/openapi.json'");
  });
});
