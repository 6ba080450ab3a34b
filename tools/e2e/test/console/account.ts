import { screenshot } from '../support/browser';
import { type ConsoleEnv, signUp } from './harness';

/** Account: API keys shown once and revoked, budgets, usage charts. */
export function accountTests(env: () => ConsoleEnv): void {
  it('creates a key, shows it once, revokes it; the revoked key no longer works', async () => {
    const { gatewayUrl, openConsole } = env();
    const { page, context, problems } = await openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Key name').fill('e2e key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('code.secret').textContent()) ?? '';
    expect(key).toMatch(/^ck_/);
    expect(
      (await fetch(`${gatewayUrl}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(200);
    await page.getByRole('cell', { name: 'e2e key', exact: true }).waitFor();
    await page.getByRole('img', { name: /Requests by model/ }).waitFor();
    await screenshot(page, 'account');

    // Shown once: after a reload the listing has only its prefix.
    await page.reload();
    await page.getByRole('cell', { name: 'e2e key', exact: true }).waitFor();
    expect(await page.locator('code.secret').count()).toBe(0);

    await page.getByRole('button', { name: 'Revoke e2e key' }).click();
    await page.getByText('No keys yet.').waitFor();
    expect(
      (await fetch(`${gatewayUrl}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows why a budget is refused', async () => {
    const { page, context } = await env().openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Set budget' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /limitUsd|limitTokens/ })
      .waitFor();
    await page.getByLabel('Limit (USD)').fill('5');
    await page.getByRole('button', { name: 'Set budget' }).click();
    await page.getByText(/You: \$5 per month/).waitFor();
    await context.close();
  });
}
