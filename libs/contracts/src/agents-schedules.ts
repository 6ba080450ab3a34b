import { z } from 'zod';
import { defineEvent, defineRequest } from './definitions';
import { ErrorCode } from './errors';

/**
 * Scheduled agents and their notifications, answered by the agents service. A schedule runs one of
 * the caller's agents with a prompt, on a cron expression read in an IANA time zone or once at a given
 * time; each fire's outcome becomes a notification, listed here and announced by
 * `agents.notification.created`. Every request is answered for the envelope's user only.
 */

export const MAX_SCHEDULE_PROMPT_CHARS = 8_000;
export const MAX_SCHEDULE_NAME_CHARS = 200;
export const DEFAULT_SCHEDULE_PAGE_SIZE = 20;
export const MAX_SCHEDULE_PAGE_SIZE = 100;
export const DEFAULT_NOTIFICATION_PAGE_SIZE = 20;
export const MAX_NOTIFICATION_PAGE_SIZE = 100;

/** An agent's id as the agents service gives it. */
export const ScheduledAgentIdSchema = z.uuid();

/** True for a name the runtime's time zone database knows (`Europe/Berlin`, `America/New_York`, `UTC`). */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const TimeZoneSchema = z.string().min(1).max(64).refine(isKnownTimeZone, {
  message: 'is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)',
});

/**
 * Five fields (minute hour day-of-month month day-of-week), names (`MON`, `JAN`) and nicknames
 * (`@daily`) allowed; whether it parses and ever fires is checked by the agents service.
 */
export const CronExpressionSchema = z.string().trim().min(1).max(200);

const PromptSchema = z
  .string()
  .max(MAX_SCHEDULE_PROMPT_CHARS)
  .refine((s) => s.trim().length > 0, { message: 'must not be empty or blank' });

/**
 * What a fire does about slots it missed while no agents replica was running (or the schedule could not
 * be fired): `latest`, fire the most recent missed slot once; `all`, fire each missed slot, the most
 * recent AGENTS_SCHEDULE_CATCH_UP_MAX of them; `none`, fire no slot older than the grace period
 * (AGENTS_SCHEDULE_GRACE_MS). A slot fired on time is not "missed" under any of them.
 */
export const CatchUpPolicySchema = z.enum(['latest', 'all', 'none']);
export type CatchUpPolicy = z.infer<typeof CatchUpPolicySchema>;

const ScheduleNameSchema = z.string().trim().min(1).max(MAX_SCHEDULE_NAME_CHARS);

export const CreateScheduleSchema = z
  .strictObject({
    agentId: ScheduledAgentIdSchema,
    prompt: PromptSchema,
    name: ScheduleNameSchema.optional(),
    /** Repeats on this cron expression, read in `timeZone`. Give `cron` or `runAt`, not both. */
    cron: CronExpressionSchema.optional(),
    /** Where `cron`'s hours and days are read; UTC when omitted. */
    timeZone: TimeZoneSchema.default('UTC'),
    /** Runs once at this time (ISO 8601 with an offset or `Z`, in the future). */
    runAt: z.iso.datetime({ offset: true }).optional(),
    catchUp: CatchUpPolicySchema.default('latest'),
    /** false: created paused. */
    enabled: z.boolean().default(true),
  })
  .refine((s) => (s.cron === undefined) !== (s.runAt === undefined), {
    message: 'give either cron (repeating) or runAt (once), not both',
    path: ['cron'],
  });
export type CreateSchedule = z.output<typeof CreateScheduleSchema>;

export const ScheduleRefSchema = z.strictObject({ id: z.uuid() });

/** Changes to a schedule; omitted fields stay. `cron` turns a one-off into a repeating one and `runAt` the reverse. */
const UpdateScheduleFields = {
  prompt: PromptSchema.optional(),
  name: ScheduleNameSchema.nullable().optional(),
  cron: CronExpressionSchema.optional(),
  timeZone: TimeZoneSchema.optional(),
  runAt: z.iso.datetime({ offset: true }).optional(),
  catchUp: CatchUpPolicySchema.optional(),
  /** false pauses it (slots pass unfired); true resumes it from the next slot after now. */
  enabled: z.boolean().optional(),
};
const notBothCronAndRunAt = {
  check: (s: { cron?: string; runAt?: string }) => s.cron === undefined || s.runAt === undefined,
  error: { message: 'give either cron (repeating) or runAt (once), not both', path: ['cron'] },
};
export const UpdateScheduleSchema = z
  .strictObject({ id: z.uuid(), ...UpdateScheduleFields })
  .refine(notBothCronAndRunAt.check, notBothCronAndRunAt.error);
export type UpdateSchedule = z.output<typeof UpdateScheduleSchema>;
/** The body of an update over HTTP: the id is in the path. */
export const UpdateScheduleBodySchema = z
  .strictObject(UpdateScheduleFields)
  .refine(notBothCronAndRunAt.check, notBothCronAndRunAt.error);

/** `active`: will fire at `nextFireAt`; `paused`: disabled by its owner; `finished`: a one-off that fired. */
export const ScheduleStateSchema = z.enum(['active', 'paused', 'finished']);

export const ScheduleSchema = z.object({
  id: z.uuid(),
  agentId: z.string(),
  name: z.string().nullable(),
  prompt: z.string(),
  cron: z.string().nullable(),
  timeZone: z.string(),
  runAt: z.iso.datetime().nullable(),
  catchUp: CatchUpPolicySchema,
  enabled: z.boolean(),
  state: ScheduleStateSchema,
  nextFireAt: z.iso.datetime().nullable(),
  lastFiredAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Schedule = z.infer<typeof ScheduleSchema>;

export const ListSchedulesQuerySchema = z.strictObject({
  agentId: ScheduledAgentIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_SCHEDULE_PAGE_SIZE).default(DEFAULT_SCHEDULE_PAGE_SIZE),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListSchedulesQuery = z.output<typeof ListSchedulesQuerySchema>;

export const SchedulePageSchema = z.object({
  /** Newest first. */
  data: z.array(ScheduleSchema),
  nextCursor: z.string().nullable(),
});

/** A scheduled run's outcome, for its owner to read. */
export const NotificationSchema = z.object({
  id: z.uuid(),
  /** `agent.run`: a scheduled run of an agent ended. */
  kind: z.literal('agent.run'),
  status: z.enum(['succeeded', 'failed']),
  title: z.string(),
  /** The run's answer, or why it failed. */
  body: z.string(),
  agentId: z.string(),
  scheduleId: z.uuid().nullable(),
  runId: z.string().nullable(),
  /** The slot the run was fired for. */
  firedFor: z.iso.datetime().nullable(),
  read: z.boolean(),
  readAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type Notification = z.infer<typeof NotificationSchema>;

export const ListNotificationsQuerySchema = z.strictObject({
  /** true: unread only; false: read only; omitted: both. */
  unread: z.union([z.boolean(), z.stringbool()]).optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_NOTIFICATION_PAGE_SIZE)
    .default(DEFAULT_NOTIFICATION_PAGE_SIZE),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListNotificationsQuery = z.output<typeof ListNotificationsQuerySchema>;

export const NotificationPageSchema = z.object({
  /** Newest first. */
  data: z.array(NotificationSchema),
  /** The caller's unread notifications, all pages. */
  unreadCount: z.number().int().nonnegative(),
  nextCursor: z.string().nullable(),
});

export const NotificationCreatedEventSchema = z.strictObject({
  userId: z.string(),
  notification: NotificationSchema,
});
export type NotificationCreatedEvent = z.infer<typeof NotificationCreatedEventSchema>;

const scheduleErrors = [ErrorCode.NotFound] as const;

export const AgentsSchedulesContract = {
  /**
   * A schedule of one of the caller's agents (NOT_FOUND for an agent that is not the caller's, CONFLICT
   * when the caller has as many schedules as allowed).
   */
  createSchedule: defineRequest({
    subject: 'agents.schedule.create',
    request: CreateScheduleSchema,
    response: ScheduleSchema,
    errors: [ErrorCode.NotFound, ErrorCode.Conflict],
  }),
  listSchedules: defineRequest({
    subject: 'agents.schedule.list',
    request: ListSchedulesQuerySchema,
    response: SchedulePageSchema,
  }),
  getSchedule: defineRequest({
    subject: 'agents.schedule.get',
    request: ScheduleRefSchema,
    response: ScheduleSchema,
    errors: scheduleErrors,
  }),
  updateSchedule: defineRequest({
    subject: 'agents.schedule.update',
    request: UpdateScheduleSchema,
    response: ScheduleSchema,
    errors: scheduleErrors,
  }),
  deleteSchedule: defineRequest({
    subject: 'agents.schedule.delete',
    request: ScheduleRefSchema,
    response: z.object({ id: z.uuid(), deleted: z.literal(true) }),
    errors: scheduleErrors,
  }),
  listNotifications: defineRequest({
    subject: 'agents.notification.list',
    request: ListNotificationsQuerySchema,
    response: NotificationPageSchema,
  }),
  markNotificationRead: defineRequest({
    subject: 'agents.notification.read',
    request: z.strictObject({ id: z.uuid() }),
    response: NotificationSchema,
    errors: [ErrorCode.NotFound],
  }),
  markAllNotificationsRead: defineRequest({
    subject: 'agents.notification.read-all',
    request: z.strictObject({}),
    response: z.object({ updated: z.number().int().nonnegative() }),
  }),
  /**
   * A notification was stored for `userId`; durable (JetStream), and heard by every gateway replica,
   * which pushes it to that user's open `/ws` connections.
   */
  notificationCreated: defineEvent({
    subject: 'agents.notification.created',
    payload: NotificationCreatedEventSchema,
    durable: { stream: 'AGENTS_NOTIFICATIONS' },
  }),
} as const;
