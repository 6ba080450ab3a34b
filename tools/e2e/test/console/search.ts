import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { screenshot } from '../support/browser';
import { type ConsoleEnv, signUp } from './harness';

/** Search: upload a file, see it indexed, find it in each mode with the match highlighted. */
export function searchTests(env: () => ConsoleEnv): void {
  it('uploads a document, shows it indexed, and finds it in every mode', async () => {
    const { page, context, problems } = await env().openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Search' }).click();
    const file = join(mkdtempSync(join(tmpdir(), 'console-search-')), 'lighthouse.md');
    writeFileSync(
      file,
      '# The lighthouse keeper\n\nThe keeper climbs the spiral staircase every evening to light the lamp.\n',
    );
    await page.getByLabel('File').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('td.doc-status.indexed').waitFor();
    for (const mode of ['Hybrid', 'Semantic', 'Keyword']) {
      await page.getByLabel('Mode').selectOption({ label: mode });
      await page.getByLabel('Query').fill('spiral staircase');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `(${mode.toLowerCase()})` })
        .waitFor();
      await page.locator('.result').first().getByText('lighthouse.md').waitFor();
    }
    expect(await page.locator('.result mark').first().textContent()).toMatch(/spiral|staircase/i);
    await screenshot(page, 'search');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says why an upload is refused', async () => {
    const { page, context } = await env().openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Search' }).click();
    const file = join(mkdtempSync(join(tmpdir(), 'console-search-')), 'binary.bin');
    writeFileSync(file, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7]));
    await page.getByLabel('File').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('alert').waitFor();
    await context.close();
  });
}
