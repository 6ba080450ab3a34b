import type { JobStatus, JobStreamEvent, MediaJob, MediaResult } from '@conduit/contracts';

/** Where a followed job stands, as the panel shows it. `error`: its progress stream failed, not the job. */
export interface JobProgress {
  status: JobStatus | 'error';
  /** 0–100 while running, when the provider reports it; null otherwise. */
  percent: number | null;
  message: string;
  /** Nothing more will come: the job ended (or its stream failed). */
  finished: boolean;
  results: MediaResult[];
}

/** One event of `GET /api/v1/media/jobs/:id/events` as a state to show. */
export function progressOf(event: JobStreamEvent): JobProgress {
  switch (event.type) {
    case 'queued':
      return ongoing('queued', null, 'Queued: waiting for a worker…');
    case 'running':
      return ongoing('running', event.percent, runningMessage(event.attempt, event.percent));
    case 'done':
      return ended(event.status, event.results, event.reason);
    case 'error':
      return {
        status: 'error',
        percent: null,
        message: `Lost track of the job: ${event.error.message}`,
        finished: true,
        results: [],
      };
  }
}

/** A job as read from `GET /api/v1/media/jobs(/:id)`, as the same state. */
export function progressOfJob(job: MediaJob): JobProgress {
  switch (job.status) {
    case 'queued':
      return ongoing('queued', null, 'Queued: waiting for a worker…');
    case 'running':
      return ongoing('running', job.progress, runningMessage(job.attempts, job.progress));
    case 'succeeded':
    case 'failed':
    case 'cancelled':
      return ended(job.status, job.results, job.failureReason);
  }
}

function ongoing(status: 'queued' | 'running', percent: number | null, message: string): JobProgress {
  return { status, percent, message, finished: false, results: [] };
}

function runningMessage(attempt: number, percent: number | null): string {
  const retry = attempt > 1 ? ` (attempt ${attempt})` : '';
  return percent === null ? `Running${retry}…` : `Running${retry}: ${Math.round(percent)}%`;
}

function ended(
  status: 'succeeded' | 'failed' | 'cancelled',
  results: MediaResult[],
  reason: string | null,
): JobProgress {
  const message =
    status === 'succeeded'
      ? `Succeeded: ${results.length} ${results.length === 1 ? 'file' : 'files'}.`
      : status === 'failed'
        ? `Failed: ${reason ?? 'no reason given'}`
        : 'Cancelled.';
  return { status, percent: status === 'succeeded' ? 100 : null, message, finished: true, results };
}
