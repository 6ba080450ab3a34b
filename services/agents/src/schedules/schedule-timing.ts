import { Cron } from 'croner';
import { type CatchUpPolicy, DomainError, ErrorCode, isKnownTimeZone } from '@conduit/contracts';

/** When a schedule fires: on a cron expression read in a time zone, or once. */
export type ScheduleTiming =
  | { readonly kind: 'cron'; readonly cron: string; readonly timeZone: string }
  | { readonly kind: 'once'; readonly runAt: Date };

/** How missed slots are treated (see CatchUpPolicySchema), and the limits that go with it. */
export interface CatchUpRule {
  readonly policy: CatchUpPolicy;
  /** Most missed slots `all` fires (the most recent ones). */
  readonly maxSlots: number;
  /** A slot no older than this is on time, not missed. */
  readonly graceMs: number;
}

/** The slots to fire now, oldest first, and the next slot after now (null: the schedule is finished). */
export interface DueSlots {
  readonly fire: readonly Date[];
  readonly next: Date | null;
}

function invalid(field: string, message: string): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, `Invalid request: ${field}: ${message}`, {
    fields: [{ path: field, message }],
  });
}

/** Parsed expressions by zone and text: a burst of schedules usually shares a few (croner's are pure to read). */
const parsed = new Map<string, Cron>();
const MAX_PARSED = 1_000;

/**
 * The cron expression as croner reads it (five fields, minute precision: a schedule cannot fire more
 * than once a minute), in `timeZone`. VALIDATION_FAILED for an expression that does not parse, an unknown
 * zone, or one that never fires after `now` (`0 0 30 2 *`).
 */
export function parseCron(cron: string, timeZone: string, now: Date): Cron {
  const key = `${timeZone}\n${cron}`;
  let pattern = parsed.get(key);
  if (!pattern) {
    if (!isKnownTimeZone(timeZone)) {
      throw invalid('timeZone', 'is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)');
    }
    try {
      // No function: croner starts no timer, it only computes slots.
      pattern = new Cron(cron, { timezone: timeZone, mode: '5-part' });
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : 'does not parse';
      throw invalid('cron', `is not a cron expression of five fields (${reason})`);
    }
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(key, pattern);
  }
  if (pattern.nextRun(now) === null) throw invalid('cron', 'never fires');
  return pattern;
}

/** The first slot strictly after `after`, or null when there is none. */
export function nextSlotAfter(timing: ScheduleTiming, after: Date): Date | null {
  if (timing.kind === 'once') return timing.runAt > after ? timing.runAt : null;
  return parseCron(timing.cron, timing.timeZone, after).nextRun(after);
}

/**
 * What a schedule whose next slot `due` has come (due <= now) fires now, under its catch-up rule, and
 * where it goes next. Slots between `due` and `now` were missed (the service was down, or busy): `all`
 * fires the most recent `maxSlots` of them, `latest` the most recent one, `none` the most recent one
 * only when it is on time (no older than `graceMs`).
 */
export function dueSlots(timing: ScheduleTiming, due: Date, now: Date, rule: CatchUpRule): DueSlots {
  const wanted = rule.policy === 'all' ? Math.max(1, rule.maxSlots) : 1;
  let slots: Date[];
  let next: Date | null;
  if (timing.kind === 'once') {
    slots = [timing.runAt];
    next = null;
  } else {
    const pattern = parseCron(timing.cron, timing.timeZone, due);
    // The most recent `wanted` slots at or before now (croner's reference is exclusive), not before `due`.
    const recent = pattern.previousRuns(wanted, new Date(now.getTime() + 1)).filter((slot) => slot >= due);
    slots = recent.length > 0 ? recent.reverse() : [due];
    next = pattern.nextRun(now);
  }
  const onTime = (slot: Date) => now.getTime() - slot.getTime() <= rule.graceMs;
  const fire = rule.policy === 'none' ? slots.slice(-1).filter(onTime) : slots;
  return { fire, next };
}
