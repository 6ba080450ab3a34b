import { DomainError, ErrorCode, HealthDataContract, type HealthSample } from '@conduit/contracts';
import { ChartRepository } from '../src/charts/chart.repository';
import { HealthSampleRepository } from '../src/samples/health-sample.repository';
import { startHealthDataForTest, type HealthDataTestApp } from './support/health-data-app';

const DAY = 86_400_000;
const TODAY = '2026-11-30';
const todayMs = Date.parse(TODAY);
const alice = { userId: 'overview-alice' };
const bob = { userId: 'overview-bob' };

const iso = (ms: number) => new Date(ms).toISOString();

function daily(
  metric: string,
  unit: string,
  daysAgo: number,
  value: number,
  source = 'garmin-api',
): HealthSample {
  const at = todayMs - daysAgo * DAY + 12 * 3_600_000;
  return {
    metric,
    unit,
    value,
    source,
    startAt: iso(at),
    endAt: iso(at),
    recordKey: `day:${iso(at).slice(0, 10)}`,
  };
}

/** A night ending on the morning `daysAgo` days before today: 23:00 to 06:00, in three stages (REM 1 h). */
function night(daysAgo: number, deepMinutes: number): HealthSample[] {
  const bed = todayMs - daysAgo * DAY - 3_600_000;
  const stage = (metric: string, startMin: number, minutes: number): HealthSample => ({
    metric,
    unit: 's',
    value: minutes * 60,
    source: 'garmin-api',
    recordKey: `sleep:${daysAgo}`,
    startAt: iso(bed + startMin * 60_000),
    endAt: iso(bed + (startMin + minutes) * 60_000),
  });
  const light = 420 - deepMinutes - 60;
  return [
    stage('sleep_light', 0, light),
    stage('sleep_deep', light, deepMinutes),
    stage('sleep_rem', light + deepMinutes, 60),
    stage('sleep_duration', 0, 420),
  ];
}

describe('health overview and charts', () => {
  let service: HealthDataTestApp;

  beforeAll(async () => {
    service = await startHealthDataForTest({ HEALTH_IMPORTER_ENABLED: 'false' });
    const samples = service.app.get(HealthSampleRepository);
    const aliceSamples: HealthSample[] = [];
    for (let daysAgo = 0; daysAgo < 120; daysAgo += 1) {
      // Resting heart rate: 50 until a month ago, 55 for the weeks after, 60 in the last week.
      aliceSamples.push(
        daily('resting_heart_rate', 'bpm', daysAgo, daysAgo < 7 ? 60 : daysAgo < 30 ? 55 : 50),
      );
      aliceSamples.push(daily('hrv_rmssd', 'ms', daysAgo, daysAgo < 7 ? 30 : 50 + (daysAgo % 3)));
      // Garmin and a phone counted the same steps: Garmin's count is the day's (source precedence).
      aliceSamples.push(daily('steps', 'count', daysAgo, 8_000));
      aliceSamples.push(daily('steps', 'count', daysAgo, 9_000, 'apple-health'));
      aliceSamples.push(daily('weight', 'kg', daysAgo, 70));
      if (daysAgo < 90) aliceSamples.push(...night(daysAgo, daysAgo < 7 ? 30 : 90));
      // The phone saw last week's nights too, longer: Garmin's nights count (source precedence).
      if (daysAgo < 7) {
        const phone = night(daysAgo, 100).map((s) => ({
          ...s,
          source: 'apple-health',
          value: s.value * 1.2,
        }));
        aliceSamples.push(...phone);
      }
    }
    aliceSamples.push({
      ...daily('blood.ldl_cholesterol', 'mg/dL', 40, 110, 'lab'),
      recordKey: 'report-1',
    });
    aliceSamples.push({
      ...daily('blood.ldl_cholesterol', 'mg/dL', 10, 160, 'lab'),
      recordKey: 'report-2',
      details: { referenceRange: { low: 0, high: 130 } },
    });
    await samples.upsertSamples(alice.userId, aliceSamples);
    await samples.upsertSamples(bob.userId, [daily('resting_heart_rate', 'bpm', 1, 80)]);
  });

  afterAll(async () => {
    await service?.close();
  });

  it("answers the user's averages over 7, 30 and 90 days with their direction", async () => {
    const overview = await service.bus.request(HealthDataContract.getOverview, { date: TODAY }, alice);
    expect(overview.date).toBe(TODAY);
    expect(overview.restingHeartRate).toEqual({
      metric: 'resting_heart_rate',
      unit: 'bpm',
      latest: { value: 60, day: TODAY },
      average7: 60,
      average30: Math.round(((7 * 60 + 23 * 55) / 30) * 100) / 100,
      average90: Math.round(((7 * 60 + 23 * 55 + 60 * 50) / 90) * 100) / 100,
      direction: 'up',
    });
    expect(overview.steps).toMatchObject({ average7: 8_000, average30: 8_000, direction: 'flat' });
    expect(overview.bodyComposition.weight).toMatchObject({ average90: 70, direction: 'flat' });
    expect(overview.hrv).toMatchObject({
      metric: 'hrv_rmssd',
      average7: 30,
      direction: 'down',
      status: 'low',
    });
  });

  it('counts each night once across midnight, with its stages and a computed score', async () => {
    const { sleep } = await service.bus.request(HealthDataContract.getOverview, { date: TODAY }, alice);
    expect(sleep.duration).toMatchObject({ unit: 'min', average7: 420, average90: 420, direction: 'flat' });
    expect(sleep.stages.deep).toMatchObject({
      average7: 30,
      average30: (7 * 30 + 23 * 90) / 30,
      direction: 'down',
    });
    expect(sleep.stages.light).toMatchObject({ average7: 330, average90: 274.67 });
    expect(sleep.score.latest?.day).toBe(TODAY);
    expect(sleep.score.direction).toBe('down');
  });

  it('flags the latest blood result against its range, and computes readiness without a device figure', async () => {
    const overview = await service.bus.request(HealthDataContract.getOverview, { date: TODAY }, alice);
    expect(overview.bloodMarkers).toEqual([
      expect.objectContaining({
        metric: 'blood.ldl_cholesterol',
        value: 160,
        referenceLow: 0,
        referenceHigh: 130,
        flag: 'high',
        direction: 'up',
      }),
    ]);
    expect(overview.trainingReadiness.computed).toBe(true);
    expect(overview.trainingReadiness.latest?.value).toEqual(expect.any(Number));
  });

  it("never shows one user's data to another", async () => {
    const overview = await service.bus.request(HealthDataContract.getOverview, { date: TODAY }, bob);
    expect(overview.restingHeartRate).toMatchObject({ average7: 80, average90: 80 });
    expect(overview.steps.latest).toBeNull();
    expect(overview.sleep.duration.latest).toBeNull();
    expect(overview.bloodMarkers).toEqual([]);

    const chart = await service.bus.request(
      HealthDataContract.renderChart,
      { metric: 'steps', from: '2026-09-01', to: TODAY },
      bob,
    );
    expect(chart.svg).toContain('No data in this range');
    expect(chart.svg).not.toContain('9,000');
  });

  it('charts a day reported by two sources once, from the source that comes first', async () => {
    const charts = service.app.get(ChartRepository);
    const from = new Date(todayMs - 2 * DAY);
    const points = await charts.dailySeries(alice.userId, 'steps', from, new Date(todayMs), true);
    expect(points.map((p) => p.value)).toEqual([8_000, 8_000, 8_000]);
  });

  it("draws a user's metric with its averages, and a blood marker with its reference band", async () => {
    const steps = await service.bus.request(
      HealthDataContract.renderChart,
      { metric: 'resting_heart_rate', from: '2026-09-01', to: TODAY },
      alice,
    );
    expect(steps.svg).toMatch(/^<svg [^>]*role="img"/);
    expect(steps.svg).toContain('data-role="average-7"');
    expect(steps.svg).toContain('Latest 60 bpm on 30 Nov 2026');

    const ldl = await service.bus.request(
      HealthDataContract.renderChart,
      { metric: 'blood.ldl_cholesterol', from: '2026-06-01', to: TODAY },
      alice,
    );
    expect(ldl.svg).toContain('data-role="reference-band"');
    expect(ldl.svg).toContain('Reference range 0 to 130 mg/dL shown as a band.');
  });

  it('answers bad input with typed errors and keeps serving', async () => {
    await expect(
      service.bus.request(
        HealthDataContract.renderChart,
        { metric: 'no_such_metric', from: '2026-01-01', to: TODAY },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const reversed = service.bus.request(
      HealthDataContract.renderChart,
      { metric: 'steps', from: TODAY, to: '2026-01-01' },
      alice,
    );
    await expect(reversed).rejects.toBeInstanceOf(DomainError);
    await expect(reversed).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(
      service.bus.request(HealthDataContract.getOverview, { date: 'yesterday' } as never, alice),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(service.bus.request(HealthDataContract.getOverview, {}, alice)).resolves.toMatchObject({
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
  });
});
