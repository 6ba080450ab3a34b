import { DomainError, ErrorCode } from '@conduit/contracts';
import { dueSlots, nextSlotAfter, parseCron, type CatchUpRule, type ScheduleTiming } from './schedule-timing';

const at = (iso: string) => new Date(iso);
const cron = (expression: string, timeZone = 'UTC'): ScheduleTiming => ({
  kind: 'cron',
  cron: expression,
  timeZone,
});
const iso = (dates: readonly Date[] | Date | null) =>
  dates === null
    ? null
    : Array.isArray(dates)
      ? dates.map((d) => d.toISOString())
      : (dates as Date).toISOString();

function slotsAfter(timing: ScheduleTiming, from: string, count: number): string[] {
  const slots: string[] = [];
  let after = at(from);
  for (let i = 0; i < count; i++) {
    const next = nextSlotAfter(timing, after);
    if (!next) break;
    slots.push(next.toISOString());
    after = next;
  }
  return slots;
}

describe('schedule slots in time zones', () => {
  it('reads a daily time in its zone across the spring-forward change (Europe/Berlin, 29 March 2026)', () => {
    // 09:00 CET is 08:00Z; from 29 March, 09:00 CEST is 07:00Z.
    expect(slotsAfter(cron('0 9 * * *', 'Europe/Berlin'), '2026-03-27T12:00:00Z', 3)).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('runs a time that does not exist on the spring-forward day at the first time after the gap', () => {
    // 02:30 does not exist in Berlin on 29 March 2026 (02:00 CET jumps to 03:00 CEST = 01:00Z).
    expect(slotsAfter(cron('30 2 * * *', 'Europe/Berlin'), '2026-03-28T12:00:00Z', 3)).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('runs a fixed time that happens twice on the fall-back day once, and an interval on both passes', () => {
    // 25 October 2026: 03:00 CEST (01:00Z) goes back to 02:00 CET, so 02:30 is 00:30Z and again 01:30Z.
    expect(slotsAfter(cron('30 2 * * *', 'Europe/Berlin'), '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(slotsAfter(cron('*/30 2 * * *', 'Europe/Berlin'), '2026-10-24T12:00:00Z', 4)).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });

  it('follows the US change on its own date (America/New_York, 8 March 2026), weekdays only', () => {
    expect(slotsAfter(cron('0 9 * * MON-FRI', 'America/New_York'), '2026-03-05T15:00:00Z', 3)).toEqual([
      '2026-03-06T14:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
      '2026-03-10T13:00:00.000Z',
    ]);
  });

  it('keeps zones without daylight saving and half-hour offsets exact', () => {
    expect(slotsAfter(cron('0 8 * * *', 'Asia/Kolkata'), '2026-06-01T00:00:00Z', 2)).toEqual([
      '2026-06-01T02:30:00.000Z',
      '2026-06-02T02:30:00.000Z',
    ]);
    expect(slotsAfter(cron('@daily'), '2026-06-01T00:00:00Z', 1)).toEqual(['2026-06-02T00:00:00.000Z']);
  });

  it('gives a one-off its time once, and nothing after it', () => {
    const once: ScheduleTiming = { kind: 'once', runAt: at('2026-06-01T12:00:00Z') };
    expect(iso(nextSlotAfter(once, at('2026-06-01T11:00:00Z')))).toBe('2026-06-01T12:00:00.000Z');
    expect(nextSlotAfter(once, at('2026-06-01T12:00:00Z'))).toBeNull();
  });
});

describe('bad cron expressions and zones', () => {
  const now = at('2026-06-01T00:00:00Z');
  it.each([
    ['61 * * * *', 'cron'],
    ['* * * *', 'cron'],
    ['* * * * * *', 'cron'],
    ['every day', 'cron'],
    ['0 0 30 2 *', 'cron'],
  ])('refuses %s', (expression, field) => {
    expect(() => parseCron(expression, 'UTC', now)).toThrow(DomainError);
    try {
      parseCron(expression, 'UTC', now);
    } catch (error) {
      expect(error).toMatchObject({
        code: ErrorCode.ValidationFailed,
        details: { fields: [{ path: field }] },
      });
    }
  });

  it('refuses an unknown time zone', () => {
    expect(() => parseCron('0 9 * * *', 'Mars/Olympus', now)).toThrow(
      expect.objectContaining({
        code: ErrorCode.ValidationFailed,
        details: { fields: [{ path: 'timeZone', message: expect.any(String) }] },
      }),
    );
  });
});

describe('catching up on missed slots', () => {
  const hourly = cron('0 * * * *');
  const rule = (policy: CatchUpRule['policy']): CatchUpRule => ({ policy, maxSlots: 3, graceMs: 60_000 });
  // Due at 10:00, the service came back at 15:20: 10:00 to 15:00 were missed (six slots).
  const due = at('2026-06-01T10:00:00Z');
  const back = at('2026-06-01T15:20:00Z');

  it('fires a slot on time under every policy, and moves on to the next one', () => {
    const now = at('2026-06-01T10:00:00.500Z');
    for (const policy of ['latest', 'all', 'none'] as const) {
      const slots = dueSlots(hourly, due, now, rule(policy));
      expect({ policy, fire: iso(slots.fire), next: iso(slots.next) }).toEqual({
        policy,
        fire: ['2026-06-01T10:00:00.000Z'],
        next: '2026-06-01T11:00:00.000Z',
      });
    }
  });

  it('latest: the most recent missed slot once', () => {
    const slots = dueSlots(hourly, due, back, rule('latest'));
    expect(iso(slots.fire)).toEqual(['2026-06-01T15:00:00.000Z']);
    expect(iso(slots.next)).toBe('2026-06-01T16:00:00.000Z');
  });

  it('all: each missed slot, the most recent N, oldest first', () => {
    expect(iso(dueSlots(hourly, due, back, rule('all')).fire)).toEqual([
      '2026-06-01T13:00:00.000Z',
      '2026-06-01T14:00:00.000Z',
      '2026-06-01T15:00:00.000Z',
    ]);
    expect(iso(dueSlots(hourly, due, at('2026-06-01T11:30:00Z'), rule('all')).fire)).toEqual([
      '2026-06-01T10:00:00.000Z',
      '2026-06-01T11:00:00.000Z',
    ]);
  });

  it('none: nothing older than the grace period', () => {
    const slots = dueSlots(hourly, due, back, rule('none'));
    expect(slots.fire).toEqual([]);
    expect(iso(slots.next)).toBe('2026-06-01T16:00:00.000Z');
    expect(iso(dueSlots(hourly, due, at('2026-06-01T15:00:30Z'), rule('none')).fire)).toEqual([
      '2026-06-01T15:00:00.000Z',
    ]);
  });

  it('a missed one-off fires late unless its policy is none, and is finished either way', () => {
    const once: ScheduleTiming = { kind: 'once', runAt: due };
    expect(dueSlots(once, due, back, rule('latest'))).toEqual({ fire: [due], next: null });
    expect(dueSlots(once, due, back, rule('all'))).toEqual({ fire: [due], next: null });
    expect(dueSlots(once, due, back, rule('none'))).toEqual({ fire: [], next: null });
  });
});
