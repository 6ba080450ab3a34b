import { periodWindow } from './budget-period';

describe('periodWindow (calendar UTC)', () => {
  it('a day runs from 00:00 UTC to the next 00:00 UTC', () => {
    const window = periodWindow('day', new Date('2026-11-21T23:59:59.999Z'));
    expect(window.start.toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(window.end.toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(window.tag).toBe('d2026-11-21');
  });

  it('rolls over to the next day at midnight UTC exactly', () => {
    const before = periodWindow('day', new Date('2026-11-21T23:59:59.999Z'));
    const after = periodWindow('day', new Date('2026-11-22T00:00:00.000Z'));
    expect(after.tag).toBe('d2026-11-22');
    expect(after.start.getTime()).toBe(before.end.getTime());
  });

  it('ignores the local time zone: midnight UTC is the boundary, whatever the offset of the input', () => {
    const window = periodWindow('day', new Date('2026-11-22T01:30:00+02:00'));
    expect(window.tag).toBe('d2026-11-21');
  });

  it('a month runs from the 1st to the 1st of the next month, across year ends and leap days', () => {
    const december = periodWindow('month', new Date('2026-12-31T23:59:59.999Z'));
    expect(december.start.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(december.end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(december.tag).toBe('m2026-12');
    expect(periodWindow('month', new Date('2027-01-01T00:00:00.000Z')).tag).toBe('m2027-01');

    const february = periodWindow('month', new Date('2028-02-29T12:00:00Z'));
    expect(february.end.toISOString()).toBe('2028-03-01T00:00:00.000Z');
  });

  it('the last day of a month rolls into the 1st of the next', () => {
    const window = periodWindow('day', new Date('2026-02-28T10:00:00Z'));
    expect(window.end.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});
