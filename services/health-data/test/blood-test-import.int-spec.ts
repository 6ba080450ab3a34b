import { startHealthDataForTest, type HealthDataTestApp } from './support/health-data-app';
import { finishedImport, sampleCount, sendImport } from './support/imports';

describe('blood test imports', () => {
  let service: HealthDataTestApp;

  beforeAll(async () => {
    service = await startHealthDataForTest();
  });

  afterAll(async () => {
    await service?.close();
  });

  const stored = async (userId: string) =>
    (
      await service.pool.query<{
        metric: string;
        value: number;
        unit: string;
        details: Record<string, unknown>;
      }>(`SELECT metric, value, unit, details FROM samples WHERE user_id = $1 ORDER BY metric`, [userId])
    ).rows;

  it('normalises JSON results to canonical units with reference ranges and flags', async () => {
    const body = {
      results: [
        { analyte: 'Glucose', value: 6.1, unit: 'mmol/L', date: '2026-02-10', lab: 'City Lab' },
        {
          analyte: 'LDL',
          value: '3.2',
          unit: 'mmol/l',
          referenceRange: '<3.0',
          date: '2026-02-10',
          lab: 'City Lab',
        },
        { analyte: 'HbA1c', value: 48, unit: 'mmol/mol', date: '2026-02-10' },
        {
          analyte: 'Vitamin D',
          value: 75,
          unit: 'nmol/L',
          referenceLow: 50,
          referenceHigh: 125,
          date: '2026-02-10',
        },
      ],
    };
    const row = await finishedImport(
      service,
      await sendImport(service, 'blood-test-json', JSON.stringify(body), 'lab-user-1', 'labs.json'),
    );
    expect(row).toMatchObject({ status: 'succeeded', rejected_count: 0, samples_stored: 4 });
    const byMetric = Object.fromEntries((await stored('lab-user-1')).map((s) => [s.metric, s]));
    expect(byMetric['blood.glucose']).toMatchObject({ value: 109.8976, unit: 'mg/dL' });
    expect(byMetric['blood.glucose']!.details).toMatchObject({ flag: 'high', referenceFrom: 'table' });
    // The report's own range, in mmol/L, converted with the value: 3.0 mmol/L is 116.01 mg/dL.
    expect(byMetric['blood.ldl_cholesterol']).toMatchObject({ value: 123.744, unit: 'mg/dL' });
    expect(byMetric['blood.ldl_cholesterol']!.details).toMatchObject({
      flag: 'high',
      referenceFrom: 'report',
      referenceRange: { low: null, high: 116.01 },
      original: { value: 3.2, unit: 'mmol/l' },
    });
    // IFCC 48 mmol/mol is NGSP 6.54 %.
    expect(byMetric['blood.hba1c']!.value).toBeCloseTo(6.543, 2);
    expect(byMetric['blood.vitamin_d']!.value).toBeCloseTo(30.045, 3);
    expect(byMetric['blood.vitamin_d']!.details).toMatchObject({ flag: 'normal' });
  });

  it('reads CSV, rejects unknown analytes and units, impossible values and future dates row by row', async () => {
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const csv = [
      'Analyte,Value,Unit,Reference Range,Date,Lab',
      'Total cholesterol,5.2,mmol/L,,2026-02-11,North',
      'Potassium,4.1,mEq/L,3.5-5.1,2026-02-11,North',
      'Unobtainium,1,mg/dL,,2026-02-11,North',
      'Glucose,90,furlongs,,2026-02-11,North',
      'Sodium,-4,mmol/L,,2026-02-11,North',
      `Glucose,90,mg/dL,,${future},North`,
      'Ferritin,abc,ng/mL,,2026-02-11,North',
    ].join('\n');
    const row = await finishedImport(service, await sendImport(service, 'blood-test-csv', csv, 'lab-user-2'));
    expect(row).toMatchObject({ status: 'succeeded', samples_stored: 2, rejected_count: 5 });
    const reasons = row.rejections.map((r) => `${r.item}: ${r.reason}`).join('\n');
    expect(reasons).toMatch(/row 4: unknown analyte "Unobtainium"/);
    expect(reasons).toMatch(/row 5: unknown unit "furlongs" for glucose/);
    expect(reasons).toMatch(/impossible blood.sodium -4/);
    expect(reasons).toMatch(/in the future/);
    expect(reasons).toMatch(/row 8: value "abc" is not a number/);
    expect((await stored('lab-user-2')).map((s) => [s.metric, s.value])).toEqual([
      ['blood.potassium', 4.1],
      ['blood.total_cholesterol', 201.084],
    ]);
  });

  it('stores a re-sent report once, with the corrected value', async () => {
    const report = (value: number) =>
      JSON.stringify([{ analyte: 'TSH', value, unit: 'mIU/L', date: '2026-02-12', lab: 'East' }]);
    await finishedImport(service, await sendImport(service, 'blood-test-json', report(2.1), 'lab-user-3'));
    await finishedImport(service, await sendImport(service, 'blood-test-json', report(2.1), 'lab-user-3'));
    await finishedImport(service, await sendImport(service, 'blood-test-json', report(2.4), 'lab-user-3'));
    expect((await stored('lab-user-3')).map((s) => s.value)).toEqual([2.4]);
  });

  it('fails a file that is not JSON, not CSV or empty, storing nothing', async () => {
    for (const [kind, content, reason] of [
      ['blood-test-json', '{"results": [', /not valid JSON/],
      ['blood-test-json', '{"values": []}', /expected \{ "results"/],
      ['blood-test-csv', 'analyte,value\n"unclosed,1', /not readable CSV/],
      ['blood-test-csv', 'analyte,value,unit,date\n', /no results/],
    ] as const) {
      const row = await finishedImport(service, await sendImport(service, kind, content, 'lab-user-4'));
      expect(row.status).toBe('failed');
      expect(row.failure_reason).toMatch(reason);
    }
    expect(await sampleCount(service, 'lab-user-4')).toBe(0);
  });
});
