import { z } from 'zod';
import type { AgentTool, ToolOutput } from '../agent-tool';

const CurrentTimeInput = z.strictObject({
  timeZone: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('An IANA time zone such as "Europe/Paris"; UTC when left out'),
});

/** The current date and time, in UTC or a named time zone. */
export const currentTimeTool: AgentTool<z.infer<typeof CurrentTimeInput>> = {
  name: 'current_time',
  description:
    'Get the current date and time (ISO 8601 in UTC, and the local time in a given IANA time zone).',
  input: CurrentTimeInput,
  run: ({ timeZone }): Promise<ToolOutput> => {
    const now = new Date();
    const zone = timeZone ?? 'UTC';
    try {
      const local = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        dateStyle: 'short',
        timeStyle: 'long',
        hourCycle: 'h23',
      }).format(now);
      return Promise.resolve({ ok: true, output: { utc: now.toISOString(), timeZone: zone, local } });
    } catch {
      return Promise.resolve({
        ok: false,
        error: { code: 'invalid_time_zone', message: `Unknown time zone ${zone}` },
      });
    }
  },
};
