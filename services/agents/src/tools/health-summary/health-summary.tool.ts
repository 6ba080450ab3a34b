import { Bus } from '@conduit/bus';
import { HealthDataContract, HealthMetricNameSchema } from '@conduit/contracts';
import { z } from 'zod';
import type { AgentTool, ToolContext, ToolOutput } from '../agent-tool';
import { callService } from '../tool-failures';

export const HEALTH_SUMMARY_TOOL = 'health_summary';
const DAY_MS = 86_400_000;

const HealthSummaryInputSchema = z.strictObject({
  metric: HealthMetricNameSchema.optional().describe(
    'One metric to chart (steps, resting_heart_rate, sleep.duration, ...); the overview of every metric when left out',
  ),
  date: z.iso.date().optional().describe('The last day covered (YYYY-MM-DD); today when left out'),
  days: z.number().int().min(1).max(366).default(30).describe('Days covered by a metric series'),
  resolution: z
    .enum(['hourly', 'daily', 'weekly'])
    .default('daily')
    .describe('Bucket size of a metric series'),
});
type HealthSummaryInput = z.output<typeof HealthSummaryInputSchema>;

/**
 * The user's health data from the health-data service: the overview (sleep, heart, stress, activity,
 * readiness, body, blood markers with 7/30/90-day averages), or one metric's series over recent days.
 */
export class HealthSummaryTool implements AgentTool<HealthSummaryInput> {
  readonly name = HEALTH_SUMMARY_TOOL;
  readonly description =
    "Reads the user's health data: without a metric, an overview of sleep, heart rate, HRV, stress, activity, readiness, body composition and blood markers with 7/30/90-day averages; with a metric, its values over the last days.";
  readonly input = HealthSummaryInputSchema as z.ZodType<HealthSummaryInput>;

  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {}

  run(input: HealthSummaryInput, context: ToolContext): Promise<ToolOutput> {
    const caller = { userId: context.userId };
    const options = { timeoutMs: this.timeoutMs };
    return callService<unknown>('health-data', context.signal, () => {
      if (!input.metric) {
        return this.bus.request(
          HealthDataContract.getOverview,
          input.date ? { date: input.date } : {},
          caller,
          options,
        );
      }
      // The whole last day is covered: the range ends at the start of the day after it.
      const to = input.date ? Date.parse(input.date) + DAY_MS : Date.now();
      return this.bus.request(
        HealthDataContract.queryMetric,
        {
          metric: input.metric,
          from: new Date(to - input.days * DAY_MS).toISOString(),
          to: new Date(to).toISOString(),
          resolution: input.resolution,
        },
        caller,
        options,
      );
    });
  }
}
