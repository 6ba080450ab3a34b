import { hrvStatus, sleepScore, trainingReadiness, trendDirection } from './metric-trend';

describe('trendDirection', () => {
  it.each([
    [{ average7: 60, average30: 55, average90: 55 }, 'up'],
    [{ average7: 50, average30: 55, average90: 55 }, 'down'],
    [{ average7: 55.5, average30: 55, average90: 55 }, 'flat'],
    [{ average7: 0, average30: 0, average90: 0 }, 'flat'],
    [{ average7: null, average30: 55, average90: 55 }, null],
  ] as const)('%p is %p', (windows, direction) => {
    expect(trendDirection(windows)).toBe(direction);
  });
});

describe('hrvStatus', () => {
  const baseline = { baselineMean: 50, baselineStddev: 5, baselineDays: 60 };
  it('compares the week with the personal baseline', () => {
    expect(hrvStatus({ ...baseline, average7: 52 })).toBe('balanced');
    expect(hrvStatus({ ...baseline, average7: 57 })).toBe('unbalanced');
    expect(hrvStatus({ ...baseline, average7: 44 })).toBe('unbalanced');
    expect(hrvStatus({ ...baseline, average7: 38 })).toBe('low');
    expect(hrvStatus({ ...baseline, average7: 52, baselineDays: 10 })).toBe('no_baseline');
    expect(hrvStatus({ ...baseline, average7: null })).toBe('no_baseline');
  });
});

describe('sleepScore', () => {
  it('rewards enough sleep with deep and REM stages and little time awake', () => {
    expect(sleepScore({ asleepMinutes: 480, deepMinutes: 90, remMinutes: 100, awakeMinutes: 0 })).toBe(100);
    expect(sleepScore({ asleepMinutes: 300, deepMinutes: 30, remMinutes: 30, awakeMinutes: 30 })).toBe(50);
    expect(sleepScore({ asleepMinutes: 0, deepMinutes: 0, remMinutes: 0, awakeMinutes: 0 })).toBeNull();
  });
});

describe('trainingReadiness', () => {
  it('weighs what it has and gives none without inputs', () => {
    expect(
      trainingReadiness({
        hrvStatus: 'balanced',
        sleepScore: 90,
        restingHeartRate7: 55,
        restingHeartRate30: 55,
      }),
    ).toBe(Math.round(0.4 * 90 + 0.35 * 90 + 0.25 * 80));
    expect(
      trainingReadiness({
        hrvStatus: 'low',
        sleepScore: null,
        restingHeartRate7: null,
        restingHeartRate30: null,
      }),
    ).toBe(25);
    expect(
      trainingReadiness({
        hrvStatus: 'no_baseline',
        sleepScore: null,
        restingHeartRate7: null,
        restingHeartRate30: null,
      }),
    ).toBeNull();
  });
});
