import { screenshot } from '../support/browser';
import { type ConsoleEnv, newAccount, signUp } from './harness';

/** The page itself: served with its policy and caching, sign-up, sign-in, sign-out, phone width. */
export function shellTests(env: () => ConsoleEnv): void {
  it('is served by the gateway with a strict CSP, compressed, and hashed assets cached for good', async () => {
    const { gatewayUrl } = env();
    const page = await fetch(`${gatewayUrl}/console`, { headers: { 'accept-encoding': 'br' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await page.text();
    const script = /src="(\/console\/assets\/main-[\w]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${gatewayUrl}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect((await fetch(`${gatewayUrl}/console/assets/nope.js`)).status).toBe(404);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('says clearly when the password is wrong, and signs in with the right one', async () => {
    const { page, context, problems } = await env().openConsole();
    const account = await signUp(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await screenshot(page, 'sign-in-error');
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(account.email).waitFor();
    // A reload keeps the tab signed in.
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('refuses a second sign-up with the same email with a message', async () => {
    const { page, context } = await env().openConsole();
    const account = await signUp(page, newAccount());
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').filter({ hasText: 'already exists' }).waitFor();
    await context.close();
  });

  it('fits a phone screen: the navigation scrolls, nothing overflows sideways', async () => {
    const { page, context, problems } = await env().openConsole({ viewport: { width: 390, height: 844 } });
    await signUp(page);
    // A string: the test's own TypeScript has no DOM types.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone');
    expect(problems).toEqual([]);
    await context.close();
  });
}
