/** Why a run was started: a schedule's slot. */
export interface ScheduleTrigger {
  readonly kind: 'schedule';
  readonly scheduleId: string;
  readonly fireId: string;
  readonly slot: Date;
}

export interface ScheduledRunRequest {
  readonly userId: string;
  readonly agentId: string;
  /** The schedule's prompt, as the run's user message. */
  readonly input: string;
  readonly trigger: ScheduleTrigger;
  /** Aborted when the run must stop (the replica is shutting down). */
  readonly signal: AbortSignal;
}

/** How a run ended: its answer, or why it failed (a refusal such as an exhausted budget included). */
export type ScheduledRunOutcome =
  | { readonly status: 'succeeded'; readonly runId: string | null; readonly output: string }
  | { readonly status: 'failed'; readonly runId: string | null; readonly error: string };

/** Starts an agent run in this process and resolves once it has ended. */
export interface ScheduledRunStarter {
  run(request: ScheduledRunRequest): Promise<ScheduledRunOutcome>;
}

/** Whose agents exist: a schedule may only name one of its owner's. */
export interface ScheduledAgents {
  isOwnedBy(userId: string, agentId: string): Promise<boolean>;
}

export const SCHEDULED_RUN_STARTER = Symbol('SCHEDULED_RUN_STARTER');
export const SCHEDULED_AGENTS = Symbol('SCHEDULED_AGENTS');
