import { z } from 'zod';
import { defineEvent, defineRequest, defineStream, SeqSchema, streamErrorEvent } from './definitions';
import { ErrorCode } from './errors';

/**
 * The health-data service: health measurements from wearables, exports and labs, kept as time series per
 * user. Uploads and webhooks are accepted by the gateway into a durable JetStream stream (files through
 * the {@link HEALTH_UPLOADS_BUCKET} Object Store bucket) before the sender gets its 202, and ingested
 * from there by the service, so nothing sent while it is down is lost. Every request is answered for
 * the envelope's user only.
 */

/** Metric names: lower case words joined by `_`, grouped with `.` (`heart_rate`, `blood.glucose`). */
export const HealthMetricNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'lower-case words joined by _ and .');

/** Where samples came from: `garmin-fit`, `garmin-api`, `apple-health`, `lab`. */
export const HealthSourceSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z][a-z0-9-]*$/, 'lower-case words joined by -');

const InstantSchema = z.iso.datetime({ offset: true });

/**
 * One normalised measurement, as every importer hands it to storage: a metric's value in the metric's
 * canonical unit over [startAt, endAt] (equal for an instant). `recordKey` names what the sample belongs
 * to at its source: the provider's id (an activity, a sleep) or a day key (`day:2026-03-29` for a daily
 * summary). A sample is identified by (user, source, metric, recordKey, startAt): storing it again
 * replaces its value, never duplicates it.
 */
export const HealthSampleSchema = z
  .strictObject({
    metric: HealthMetricNameSchema,
    startAt: InstantSchema,
    endAt: InstantSchema,
    value: z.number().finite(),
    unit: z.string().min(1).max(32),
    source: HealthSourceSchema,
    recordKey: z.string().min(1).max(200),
    /** What the source said beyond the value (a lab result's reference range and flag, say). */
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((sample) => Date.parse(sample.endAt) >= Date.parse(sample.startAt), {
    message: 'endAt must not be before startAt',
    path: ['endAt'],
  });
export type HealthSample = z.infer<typeof HealthSampleSchema>;

/** The JetStream Object Store bucket uploaded files travel through from the gateway to health-data. */
export const HEALTH_UPLOADS_BUCKET = 'HEALTH_UPLOADS';
/**
 * How long an upload waits in the bucket for the service: as long as the import stream keeps its
 * message (a week), so an upload accepted while the service is down is still there when it returns.
 */
export const HEALTH_UPLOAD_TTL_MS = 7 * 24 * 3600 * 1000;
/** The durable consumer through which health-data replicas take accepted imports. */
export const HEALTH_IMPORT_CONSUMER = 'health-data-importer';

export const HealthImportKindSchema = z.enum([
  /** One FIT file. */
  'fit',
  /** A zip archive of FIT files. */
  'fit-zip',
  /** Blood test results as JSON ({ results: [...] }). */
  'blood-test-json',
  /** Blood test results as CSV with a header row. */
  'blood-test-csv',
  /** A Garmin Health API push notification: the summaries themselves. */
  'garmin-push',
  /** A Garmin Health API ping notification: where to pull the summaries from. */
  'garmin-ping',
  /** An Apple Health export (export.xml, or the zip the app makes). */
  'apple-health',
]);
export type HealthImportKind = z.infer<typeof HealthImportKindSchema>;

/**
 * An accepted upload or webhook, stored in the import stream before it is acknowledged. The content is
 * in the message when it fits, otherwise an object in {@link HEALTH_UPLOADS_BUCKET}. The envelope's user
 * owns it; Garmin webhooks have none (their summaries name the Garmin user).
 */
export const ImportAcceptedEventSchema = z.strictObject({
  importId: z.uuid(),
  kind: HealthImportKindSchema,
  filename: z.string().max(500).optional(),
  bytes: z.number().int().nonnegative(),
  content: z.union([
    z.strictObject({ inline: z.base64() }),
    z.strictObject({ object: z.string().min(1).max(200) }),
  ]),
  acceptedAt: InstantSchema,
});
export type ImportAcceptedEvent = z.infer<typeof ImportAcceptedEventSchema>;

export const ImportStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed']);
export type ImportStatus = z.infer<typeof ImportStatusSchema>;

/** A record (a file in a zip, a row of a CSV, a summary of a webhook) that was not stored, and why. */
export const ImportRejectionSchema = z.object({
  /** Which record: `file.fit`, `row 3`, `dailies[2]`. */
  item: z.string(),
  reason: z.string(),
});
export type ImportRejection = z.infer<typeof ImportRejectionSchema>;

/** Rejections kept per import; the count says how many there were in all. */
export const MAX_KEPT_REJECTIONS = 100;

export const HealthImportSchema = z.object({
  id: z.uuid(),
  kind: HealthImportKindSchema,
  status: ImportStatusSchema,
  filename: z.string().nullable(),
  /** Items (files, rows, summaries) read so far and, once known, in all. */
  progress: z.object({
    processed: z.number().int().nonnegative(),
    total: z.number().int().nonnegative().nullable(),
  }),
  /** Samples stored (new or replacing an earlier revision). */
  samplesStored: z.number().int().nonnegative(),
  rejectedCount: z.number().int().nonnegative(),
  rejections: z.array(ImportRejectionSchema),
  /** Why nothing of it was stored; null unless `status` is `failed`. */
  failureReason: z.string().nullable(),
  acceptedAt: InstantSchema,
  updatedAt: InstantSchema,
  finishedAt: InstantSchema.nullable(),
});
export type HealthImport = z.infer<typeof HealthImportSchema>;

export const AcceptedImportSchema = z.object({
  importId: z.uuid(),
  status: z.literal('queued'),
});
export type AcceptedImport = z.infer<typeof AcceptedImportSchema>;

export const ImportRefSchema = z.strictObject({ id: z.uuid() });

/** An import's live progress: `progress` while it runs, then one `done` with the outcome. */
export const ImportStreamEventSchema = z.discriminatedUnion('type', [
  z.object({
    seq: SeqSchema,
    type: z.literal('progress'),
    importId: z.uuid(),
    status: ImportStatusSchema,
    processed: z.number().int().nonnegative(),
    total: z.number().int().nonnegative().nullable(),
  }),
  z.object({
    seq: SeqSchema,
    type: z.literal('done'),
    importId: z.uuid(),
    status: z.enum(['succeeded', 'failed']),
    samplesStored: z.number().int().nonnegative(),
    rejectedCount: z.number().int().nonnegative(),
    failureReason: z.string().nullable(),
  }),
  streamErrorEvent,
]);
export type ImportStreamEvent = z.infer<typeof ImportStreamEventSchema>;

/** Where an import stands, as the replica ingesting it tells every replica watching it. */
export const ImportProgressedEventSchema = z.strictObject({
  importId: z.uuid(),
  status: ImportStatusSchema,
  processed: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
});
export type ImportProgressedEvent = z.infer<typeof ImportProgressedEventSchema>;

/** Samples of one user and source that an import stored: for services that follow a user's health data. */
export const DataIngestedEventSchema = z.strictObject({
  importId: z.uuid(),
  userId: z.string().min(1),
  source: HealthSourceSchema,
  metrics: z.array(HealthMetricNameSchema),
  samples: z.number().int().nonnegative(),
  /** The earliest start and latest end among the samples. */
  from: InstantSchema,
  to: InstantSchema,
});
export type DataIngestedEvent = z.infer<typeof DataIngestedEventSchema>;

export const MetricResolutionSchema = z.enum(['raw', 'hourly', 'daily', 'weekly']);
export type MetricResolution = z.infer<typeof MetricResolutionSchema>;

/** Most points one metrics query answers with at `raw` (a page stays well under a bus message's 1 MB); `nextFrom` continues from there. */
export const MAX_RAW_POINTS = 4_000;

const MetricRangeSchema = z.strictObject({
  from: InstantSchema,
  to: InstantSchema,
  resolution: MetricResolutionSchema.default('daily'),
  /** IANA time zone that days and weeks (Monday first) are cut in; UTC by default. */
  tz: z.string().min(1).max(64).optional(),
  /** Only this source's samples; every source's by default. */
  source: HealthSourceSchema.optional(),
});
const toAfterFrom = {
  check: (query: { from: string; to: string }) => Date.parse(query.to) > Date.parse(query.from),
  params: { message: 'to must be after from', path: ['to'] },
};

/** `GET /api/v1/health/metrics/:metric`'s query string. */
export const MetricRangeQuerySchema = MetricRangeSchema.refine(toAfterFrom.check, toAfterFrom.params);

export const MetricQuerySchema = MetricRangeSchema.extend({ metric: HealthMetricNameSchema }).refine(
  toAfterFrom.check,
  toAfterFrom.params,
);
export type MetricQuery = z.output<typeof MetricQuerySchema>;

export const MetricPointSchema = z.object({
  start: InstantSchema,
  end: InstantSchema,
  /** The bucket's total for summed metrics (steps), its mean for the others (heart rate). */
  value: z.number(),
  min: z.number(),
  max: z.number(),
  count: z.number().int().positive(),
  /** Raw points only: where the sample came from. */
  source: HealthSourceSchema.optional(),
});
export type MetricPoint = z.infer<typeof MetricPointSchema>;

export const MetricSeriesSchema = z.object({
  metric: HealthMetricNameSchema,
  unit: z.string(),
  aggregation: z.enum(['sum', 'mean']),
  resolution: MetricResolutionSchema,
  tz: z.string(),
  points: z.array(MetricPointSchema),
  /** Raw only: more points follow; ask again with `from` set to this. */
  nextFrom: InstantSchema.nullable(),
});
export type MetricSeries = z.infer<typeof MetricSeriesSchema>;

/** Links a Garmin Health API user to the caller, so pushes and pings naming that user land in their data. */
export const GarminConnectionInputSchema = z.strictObject({
  garminUserId: z.string().min(1).max(200),
  /** The user's access token, sent when pulling their summaries after a ping. */
  accessToken: z.string().min(1).max(4_000).optional(),
});

export const GarminConnectionSchema = z.object({
  garminUserId: z.string(),
  hasAccessToken: z.boolean(),
  createdAt: InstantSchema,
});
export type GarminConnection = z.infer<typeof GarminConnectionSchema>;

/** Whether the last 7 days' average is above, below or within 2 % of the last 30 days'. */
export const TrendDirectionSchema = z.enum(['up', 'down', 'flat']);

/** A metric in the overview: its latest daily value and its 7/30/90-day averages ending today. */
export const OverviewMetricSchema = z.object({
  metric: HealthMetricNameSchema,
  unit: z.string(),
  latest: z.object({ value: z.number(), day: z.iso.date() }).nullable(),
  average7: z.number().nullable(),
  average30: z.number().nullable(),
  average90: z.number().nullable(),
  /** The 7-day average against the 30-day one; null without both. */
  direction: TrendDirectionSchema.nullable(),
});
export type OverviewMetric = z.infer<typeof OverviewMetricSchema>;

export const HrvStatusSchema = z.enum(['balanced', 'unbalanced', 'low', 'no_baseline']);

/** A blood marker's latest result, flagged against its reference range (the lab's flag when it gave one). */
export const BloodMarkerSchema = z.object({
  metric: HealthMetricNameSchema,
  value: z.number(),
  unit: z.string(),
  measuredAt: InstantSchema,
  referenceLow: z.number().nullable(),
  referenceHigh: z.number().nullable(),
  flag: z.enum(['low', 'normal', 'high']).nullable(),
  /** Against the result before it; null for a first result. */
  direction: TrendDirectionSchema.nullable(),
  average7: z.number().nullable(),
  average30: z.number().nullable(),
  average90: z.number().nullable(),
});
export type BloodMarker = z.infer<typeof BloodMarkerSchema>;

export const HealthOverviewQuerySchema = z.strictObject({
  /** The day the overview ends with (its windows are the 7, 30 and 90 days up to it); today (UTC) by default. */
  date: z.iso.date().optional(),
});
export type HealthOverviewQuery = z.infer<typeof HealthOverviewQuerySchema>;

export const HealthOverviewSchema = z.object({
  date: z.iso.date(),
  sleep: z.object({
    /** Minutes asleep per night. */
    duration: OverviewMetricSchema,
    /** Minutes per night in each stage. */
    stages: z.object({
      light: OverviewMetricSchema,
      deep: OverviewMetricSchema,
      rem: OverviewMetricSchema,
      awake: OverviewMetricSchema,
    }),
    /** 0–100 per night: the device's score where it gave one, otherwise computed from duration and stages. */
    score: OverviewMetricSchema,
  }),
  restingHeartRate: OverviewMetricSchema,
  hrv: OverviewMetricSchema.extend({ status: HrvStatusSchema }),
  stress: OverviewMetricSchema,
  bodyBattery: OverviewMetricSchema,
  steps: OverviewMetricSchema,
  intensityMinutes: OverviewMetricSchema,
  /** 0–100: the device's where it gave one, otherwise computed from HRV status, sleep and resting heart rate. */
  trainingReadiness: OverviewMetricSchema.extend({ computed: z.boolean() }),
  bodyComposition: z.object({ weight: OverviewMetricSchema, bodyFat: OverviewMetricSchema }),
  bloodMarkers: z.array(BloodMarkerSchema),
});
export type HealthOverview = z.infer<typeof HealthOverviewSchema>;

export const HealthDataErasureSchema = z.strictObject({
  /** Only this source's data (`garmin-fit`, `apple-health`, `lab`, ...); everything without it. */
  source: HealthSourceSchema.optional(),
});
export type HealthDataErasure = z.infer<typeof HealthDataErasureSchema>;

export const HealthDataErasedSchema = z.object({
  samplesDeleted: z.number().int().nonnegative(),
  importsDeleted: z.number().int().nonnegative(),
  garminUnlinked: z.boolean(),
});
export type HealthDataErased = z.infer<typeof HealthDataErasedSchema>;

/** Widest range one chart covers. */
export const MAX_CHART_DAYS = 3 * 366;

export const MetricChartRequestSchema = z
  .strictObject({
    metric: HealthMetricNameSchema,
    from: z.iso.date(),
    to: z.iso.date(),
  })
  .refine((q) => Date.parse(q.to) >= Date.parse(q.from), {
    message: 'to must not be before from',
    path: ['to'],
  })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_CHART_DAYS * 86_400_000, {
    message: `at most ${MAX_CHART_DAYS} days`,
    path: ['from'],
  });
export type MetricChartRequest = z.infer<typeof MetricChartRequestSchema>;

export const MetricChartSchema = z.object({ svg: z.string() });

const importErrors = [ErrorCode.NotFound] as const;

export const HealthDataContract = {
  checkHealth: defineRequest({
    subject: 'health-data.health.check',
    request: z.object({}).strict(),
    response: z.object({ service: z.literal('health-data'), status: z.literal('ok') }),
  }),
  getImport: defineRequest({
    subject: 'health-data.import.get',
    request: ImportRefSchema,
    response: HealthImportSchema,
    errors: importErrors,
  }),
  /** Streams an import's progress from where it stands to its outcome (at once for a finished one). */
  watchImport: defineRequest({
    subject: 'health-data.import.watch',
    request: z.strictObject({ importId: z.uuid(), streamId: z.uuid() }),
    response: z.object({ streamId: z.uuid(), importId: z.uuid() }),
    errors: importErrors,
  }),
  importStream: defineStream({
    name: 'health-data.import',
    event: ImportStreamEventSchema,
    retention: { stream: 'HEALTH_DATA_IMPORT_EVENTS' },
  }),
  queryMetric: defineRequest({
    subject: 'health-data.metric.query',
    request: MetricQuerySchema,
    response: MetricSeriesSchema,
    errors: [ErrorCode.NotFound],
  }),
  /** Sleep, heart, stress, activity, readiness, body and blood at a glance, with 7/30/90-day averages. */
  getOverview: defineRequest({
    subject: 'health-data.overview.get',
    request: HealthOverviewQuerySchema,
    response: HealthOverviewSchema,
  }),
  /** A metric's daily values, 7/30-day averages and reference band over a range, as SVG. */
  renderChart: defineRequest({
    subject: 'health-data.chart.render',
    request: MetricChartRequestSchema,
    response: MetricChartSchema,
    errors: [ErrorCode.NotFound],
  }),
  connectGarmin: defineRequest({
    subject: 'health-data.garmin.connect',
    request: GarminConnectionInputSchema,
    response: GarminConnectionSchema,
    errors: [ErrorCode.Conflict],
  }),
  getGarminConnection: defineRequest({
    subject: 'health-data.garmin.get',
    request: z.strictObject({}),
    response: GarminConnectionSchema,
    errors: [ErrorCode.NotFound],
  }),
  disconnectGarmin: defineRequest({
    subject: 'health-data.garmin.disconnect',
    request: z.strictObject({}),
    response: z.object({ disconnected: z.boolean() }),
  }),
  /**
   * Erases the caller's health data: of one source (its samples and rollups), or all of it (samples,
   * rollups, import records and the Garmin link). Imports still queued are ingested afterwards.
   */
  eraseData: defineRequest({
    subject: 'health-data.data.erase',
    request: HealthDataErasureSchema,
    response: HealthDataErasedSchema,
  }),
  /** An upload or webhook to ingest; durable, published by the gateway before it answers 202. */
  importAccepted: defineEvent({
    subject: 'health-data.import.accepted',
    payload: ImportAcceptedEventSchema,
    durable: { stream: 'HEALTH_IMPORTS' },
  }),
  /** Heard by every health-data replica: feeds the import streams it produces. */
  importProgressed: defineEvent({
    subject: 'health-data.import.progressed',
    payload: ImportProgressedEventSchema,
  }),
  /** Samples stored for a user; durable, for whoever follows health data. */
  dataIngested: defineEvent({
    subject: 'health.data.ingested',
    payload: DataIngestedEventSchema,
    durable: { stream: 'HEALTH_DATA_INGESTED' },
  }),
} as const;
