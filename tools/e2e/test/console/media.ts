import { waitFor } from '@conduit/testing';
import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import { type ConsoleEnv, signUp } from './harness';

/** Media: start an image job on the offline model, follow it to the end and see the picture. */
export function mediaTests(env: () => ConsoleEnv): void {
  it('starts an image job, follows it to succeeded and shows the image and the job in the list', async () => {
    const { page, context, problems } = await env().openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Media' }).click();
    const model = page.getByLabel('Model');
    await waitFor(
      async () => (await model.inputValue()) === 'offline/placeholder-image',
      'the models listed',
    );

    const submits: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/v1/media/images'))
        submits.push(request.headers()['idempotency-key'] ?? '');
    });
    await page.getByLabel('Prompt').fill('a lighthouse at dusk over a calm sea');
    await page.getByLabel('Size').selectOption('512x512');
    await page.getByRole('button', { name: 'Generate' }).click();

    const job = page.locator('.media-job');
    await job.getByText('Succeeded: 1 file.').waitFor();
    expect(await job.getAttribute('data-status')).toBe('succeeded');
    expect(await job.getByRole('progressbar', { name: 'Job progress' }).getAttribute('value')).toBe('100');
    expect(await job.getByRole('button', { name: 'Cancel job' }).isHidden()).toBe(true);
    expect(submits).toHaveLength(1);
    expect(submits[0]).toMatch(/^[0-9a-f]{32}$/);

    // The picture loaded and decoded. Expressions as strings: the tests' TypeScript has no DOM types,
    // and read from here, since the page's CSP forbids the eval that waitForFunction would need.
    const loaded = `[...document.querySelectorAll('.media-job img[data-result-index="0"]')].some(
      (image) => image.complete && image.naturalWidth > 0)`;
    await waitFor(() => page.evaluate<boolean>(loaded), 'the result image loaded');
    expect(await page.evaluate<number>(`document.querySelector('.media-job img').naturalWidth`)).toBe(512);
    await job.getByRole('img', { name: /Result 1 of “a lighthouse at dusk/ }).waitFor();
    await job.getByText(/512×512 PNG, \d+ kB, offline placeholder/).waitFor();

    const row = page.locator('.media-jobs__item').filter({ hasText: 'a lighthouse at dusk over a calm sea' });
    await row.getByText('Succeeded: 1 file.').waitFor();
    await screenshot(page, 'media');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says a prompt is needed and sends nothing when it is empty (on a phone screen)', async () => {
    const { page, context, problems } = await env().openConsole({ viewport: { width: 390, height: 844 } });
    await signUp(page);
    await page.getByRole('link', { name: 'Media' }).click();
    await waitFor(
      async () => (await page.getByLabel('Model').inputValue()) === 'offline/placeholder-image',
      'the models listed',
    );
    let submits = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().includes('/api/v1/media/')) submits += 1;
    });
    await page.getByLabel('Prompt').fill('   ');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByRole('alert').filter({ hasText: 'Write a prompt first' }).waitFor();
    expect(await page.getByLabel('Prompt').getAttribute('aria-invalid')).toBe('true');
    await page.getByText('No jobs yet.').waitFor();
    expect(submits).toBe(0);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'media-phone');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('cancels a job it started while it waits for a worker', async () => {
    const { page, context, problems } = await env().openConsole();
    await signUp(page);
    // Every worker (MEDIA_WORKER_CONCURRENCY, 4 by default) busy with a ten-second video made through
    // the API, so the console's job waits in the queue until it is cancelled.
    const accessToken = await accessTokenOf(page);
    const videos: string[] = [];
    for (let i = 1; i <= 4; i += 1) {
      const response = await fetch(`${env().gatewayUrl}/api/v1/media/videos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `a long pan number ${i}`, size: '1280x720', seconds: 10 }),
      });
      expect(response.status).toBe(202);
      videos.push(((await response.json()) as { jobId: string }).jobId);
    }
    await page.getByRole('link', { name: 'Media' }).click();
    await waitFor(
      async () => (await page.getByLabel('Model').inputValue()) === 'offline/placeholder-image',
      'the models listed',
    );
    const cancels: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/cancel')) cancels.push(request.url());
    });
    await page.getByLabel('Prompt').fill('a job nobody waits for');
    await page.getByRole('button', { name: 'Generate' }).click();
    const job = page.locator('.media-job');
    await job.getByText('Queued: waiting for a worker…').waitFor();
    await job.getByRole('button', { name: 'Cancel job' }).click();
    await job.getByText('Cancelled.').waitFor();
    expect(await job.getAttribute('data-status')).toBe('cancelled');
    expect(await job.getByRole('button', { name: 'Cancel job' }).isHidden()).toBe(true);
    expect(cancels).toHaveLength(1);
    const row = page.locator('.media-jobs__item').filter({ hasText: 'a job nobody waits for' });
    await row.getByText('Cancelled.').waitFor();
    expect(problems).toEqual([]);
    // The videos are not needed any more: they would only slow the tests after this one.
    for (const jobId of videos) {
      const response = await fetch(`${env().gatewayUrl}/api/v1/media/jobs/${jobId}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect([200, 409]).toContain(response.status);
    }
    await context.close();
  });

  it('pages through the jobs, ten at a time, newest first', async () => {
    const { page, context, problems } = await env().openConsole();
    await signUp(page);
    // Eleven jobs made straight through the API with the page's own token, faster than through the form.
    const accessToken = await accessTokenOf(page);
    for (let i = 1; i <= 11; i += 1) {
      const response = await fetch(`${env().gatewayUrl}/api/v1/media/images`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `job number ${i}`, size: '256x256' }),
      });
      expect(response.status).toBe(202);
    }
    await page.getByRole('link', { name: 'Media' }).click();
    const rows = page.locator('.media-jobs__item');
    await rows.first().getByText('job number 11', { exact: true }).waitFor();
    expect(await rows.count()).toBe(10);
    await page.getByText('Page 1').waitFor();
    await page.getByRole('button', { name: 'Older' }).click();
    await page.getByText('Page 2').waitFor();
    await waitFor(async () => (await rows.count()) === 1, 'the second page');
    await rows.getByText('job number 1', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.getByText('Page 1').waitFor();
    await rows.first().getByText('job number 11', { exact: true }).waitFor();

    // A job of the list shown in the job card, its result loaded.
    await page.getByRole('button', { name: 'Show job: job number 10' }).click();
    await page.locator('.media-job').getByText('Succeeded: 1 file.').waitFor();
    await page
      .locator('.media-job')
      .getByRole('img', { name: /job number 10/ })
      .waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
}

/** The signed-in page's access token, for making jobs straight through the API. */
async function accessTokenOf(page: Page): Promise<string> {
  const stored = await page.evaluate<string>(`sessionStorage.getItem('conduit.console.credentials')`);
  return (JSON.parse(stored) as { accessToken: string }).accessToken;
}
