import { z } from 'zod';
import { defineRequest } from './definitions';

/**
 * The agents service's subjects: what it answers and publishes on the bus. Add a request with
 * defineRequest, an event with defineEvent (past tense), partial results with defineStream.
 */
export const AgentsContract = {
  checkHealth: defineRequest({
    subject: 'agents.health.check',
    request: z.object({}).strict(),
    response: z.object({ service: z.literal('agents'), status: z.literal('ok') }),
  }),
} as const;
