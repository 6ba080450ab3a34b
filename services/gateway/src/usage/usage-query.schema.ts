import { z } from 'zod';
import { MAX_USAGE_RANGE_DAYS, UsageGroupSchema, type UsageGroup } from '@conduit/contracts';

const DAY_MS = 86_400_000;
const GROUPS = UsageGroupSchema.options;
const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/**
 * `GET /api/v1/usage` query: `from` and `to` as UTC dates (`2026-11-01`; `to` includes that whole day) or
 * ISO date-times (`to` exclusive); by default the current calendar month so far. `groupBy` is a comma-separated
 * subset of `day,model,apiKey,service`, all by default. Parsed into the usage contract's request.
 */
export const UsageQuerySchema = z
  .strictObject({
    from: Instant.optional().describe(
      'Start, inclusive: a UTC date or an ISO date-time. Default: the 1st of this month',
    ),
    to: Instant.optional().describe(
      'End: a UTC date (included) or an ISO date-time (excluded). Default: now',
    ),
    groupBy: z
      .string()
      .regex(
        new RegExp(`^(${GROUPS.join('|')})(,(${GROUPS.join('|')}))*$`),
        `must be a comma-separated list of ${GROUPS.join(', ')}`,
      )
      .optional()
      .describe('Breakdowns to include, comma-separated: day, model, apiKey, service (default: all)'),
  })
  .transform((query, ctx) => {
    const now = new Date();
    const from = query.from
      ? startOf(query.from)
      : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const to = query.to ? endOf(query.to) : now;
    if (from.getTime() >= to.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
      return z.NEVER;
    }
    if (to.getTime() - from.getTime() > MAX_USAGE_RANGE_DAYS * DAY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `the range may span at most ${MAX_USAGE_RANGE_DAYS} days`,
      });
      return z.NEVER;
    }
    const groupBy = query.groupBy ? ([...new Set(query.groupBy.split(','))] as UsageGroup[]) : [...GROUPS];
    return { from: from.toISOString(), to: to.toISOString(), groupBy };
  });
export type UsageQuery = z.output<typeof UsageQuerySchema>;

const isDay = (value: string) => value.length === 10;

function startOf(value: string): Date {
  return new Date(isDay(value) ? `${value}T00:00:00Z` : value);
}

/** A day names all of itself: the range ends at the next midnight UTC. */
function endOf(value: string): Date {
  if (!isDay(value)) return new Date(value);
  return new Date(Date.parse(`${value}T00:00:00Z`) + DAY_MS);
}
