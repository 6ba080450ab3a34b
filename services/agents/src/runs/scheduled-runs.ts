import { Injectable } from '@nestjs/common';
import type {
  ScheduledRunOutcome,
  ScheduledRunRequest,
  ScheduledRunStarter,
} from '../schedules/scheduled-run.port';
import { AgentRuns } from './agent-runs.service';

/**
 * Schedules' runs are ordinary runs (trigger `schedule`): stored, streamed and metered the same way. A
 * run that ended with the model's final answer succeeded; one a limit or a shutdown stopped, or that
 * could not start (an exhausted budget, a model without its key), failed with the reason.
 */
@Injectable()
export class ScheduledRuns implements ScheduledRunStarter {
  constructor(private readonly runs: AgentRuns) {}

  async run(request: ScheduledRunRequest): Promise<ScheduledRunOutcome> {
    let started;
    try {
      started = await this.runs.start({
        userId: request.userId,
        agentId: request.agentId,
        input: request.input,
        trigger: 'schedule',
        signal: request.signal,
      });
    } catch (error) {
      return { status: 'failed', runId: null, error: error instanceof Error ? error.message : String(error) };
    }
    const outcome = await started.finished;
    if (outcome.status === 'succeeded') {
      return { status: 'succeeded', runId: outcome.runId, output: outcome.answer };
    }
    const reason = outcome.error
      ? `${outcome.error.code}: ${outcome.error.message}`
      : `the run stopped before its answer (${outcome.stopReason})`;
    return { status: 'failed', runId: outcome.runId, error: reason };
  }
}
