import { screenshot } from '../support/browser';
import { type ConsoleEnv, signUp } from './harness';

/** Agents: one created with a tool, run, its tool call and result shown as they stream. */
export function agentsTests(env: () => ConsoleEnv): void {
  it('creates an agent, runs it and shows the tool call with its arguments and result live', async () => {
    const { page, context, problems } = await env().openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByText('No agents yet: create one below.').waitFor();
    await page.getByLabel('Name').fill('Sums');
    await page.getByLabel('Instructions').fill('Add up what you are asked to.');
    await page.getByLabel('calculator').check();
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('button', { name: 'Run Sums' }).waitFor();

    await page.getByLabel('Input', { exact: true }).fill('call calculator {"expression":"2+3"}');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const call = page.locator('.run-log__tool').filter({ hasText: 'calculator' });
    await call.filter({ hasText: '"expression": "2+3"' }).waitFor();
    await call.locator('.run-log__result--ok').filter({ hasText: '5' }).waitFor();
    await page.locator('.run-log__done').filter({ hasText: 'Done: succeeded (completed)' }).waitFor();
    await screenshot(page, 'agents');

    // A tool the agent does not have is answered as an error, shown as such.
    await page.getByLabel('Input', { exact: true }).fill('call current_time {}');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.run-log__result--error').filter({ hasText: 'unknown_tool' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
}
