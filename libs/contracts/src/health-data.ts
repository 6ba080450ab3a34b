import { z } from 'zod';
import { defineRequest } from './definitions';

/**
 * The health-data service's subjects: what it answers and publishes on the bus. Add a request with
 * defineRequest, an event with defineEvent (past tense), partial results with defineStream.
 */
export const HealthDataContract = {
  checkHealth: defineRequest({
    subject: 'health-data.health.check',
    request: z.object({}).strict(),
    response: z.object({ service: z.literal('health-data'), status: z.literal('ok') }),
  }),
} as const;
