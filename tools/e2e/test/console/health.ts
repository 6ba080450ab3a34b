import { waitFor } from '@conduit/testing';
import { screenshot } from '../support/browser';
import { type ConsoleEnv, signUp } from './harness';

/** Blood test results of the last days, as the console's upload takes them. */
function bloodTestCsv(): string {
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  return [
    'analyte,value,unit,date,lab,reference_range',
    `glucose,92,mg/dL,${day(20)},City Lab,70-99`,
    `glucose,104,mg/dL,${day(2)},City Lab,70-99`,
    `hdl_cholesterol,55,mg/dL,${day(2)},City Lab,40-60`,
  ].join('\n');
}

/** A small Apple Health export.xml: three heart-rate readings of yesterday morning. */
function appleHealthExportXml(): string {
  const at = (minute: number) => {
    const d = new Date(Date.now() - 86_400_000);
    d.setUTCHours(8, minute, 0, 0);
    return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} +0000`;
  };
  const reading = (minute: number, bpm: number) =>
    ` <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Apple Watch" unit="count/min" ` +
    `creationDate="${at(minute)}" startDate="${at(minute)}" endDate="${at(minute)}" value="${bpm}"/>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<HealthData locale="en_GB">',
    ` <ExportDate value="${at(30)}"/>`,
    reading(0, 61),
    reading(5, 64),
    reading(10, 58),
    '</HealthData>',
  ].join('\n');
}

/** Health: a fresh account uploads blood tests and sees them in the overview and as charts. */
export function healthTests(env: () => ConsoleEnv): void {
  it('uploads blood tests, then shows the overview and the charts (on a phone screen)', async () => {
    const { page, context, problems } = await env().openConsole({ viewport: { width: 390, height: 844 } });
    await signUp(page);
    await page.getByRole('link', { name: 'Health' }).click();
    await page.getByText(/No health data up to/).waitFor();

    await page.getByLabel(/Health data file/).setInputFiles({
      name: 'blood.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(bloodTestCsv()),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Imported: 3 samples stored.').waitFor();
    await page.getByRole('cell', { name: 'glucose', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'high' }).waitFor();

    // The chart image loaded and decoded. Expressions as strings: the tests' TypeScript has no DOM types,
    // and read from here, since the page's CSP forbids the eval that waitForFunction would need.
    const loaded = `[...document.querySelectorAll('img[data-metric="blood.glucose"]')].some(
      (image) => image.complete && image.naturalWidth > 0)`;
    await waitFor(() => page.evaluate<boolean>(loaded), 'the glucose chart loaded');
    await page.locator('img[data-metric="blood.hdl_cholesterol"]').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'health');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('takes an Apple Health export, telling it from its name', async () => {
    const { page, context, problems } = await env().openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Health' }).click();
    await page.getByLabel(/Health data file/).setInputFiles({
      name: 'export.xml',
      mimeType: 'text/xml',
      buffer: Buffer.from(appleHealthExportXml()),
    });
    expect(await page.getByLabel('What it is').inputValue()).toBe('apple-health');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Imported: 3 samples stored.').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says why a file that is not health data was refused', async () => {
    const { page, context } = await env().openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Health' }).click();
    await page.getByLabel(/Health data file/).setInputFiles({
      name: 'notes.fit',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not a fit file'),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('alert').waitFor();
    await context.close();
  });
}
