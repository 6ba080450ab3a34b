import { readSse, waitFor } from '@conduit/testing';
import type { RegisteredUser } from './gateway-test-app';
import { api, json } from './platform';

/** One user's calls to the gateway, as `api(baseUrl, token)` makes them. */
type Caller = ReturnType<typeof api>;

/** A media job as the gateway answers it, with the HTTP status. */
export async function jobOf(caller: Caller, id: string) {
  const response = await caller(`/api/v1/media/jobs/${id}`);
  return { status: response.status, body: await json(response) };
}

/** Polls the job until it has ended (succeeded, failed or cancelled), and gives it back. */
export async function finishedJob(caller: Caller, id: string) {
  let job: any;
  await waitFor(
    async () => {
      job = (await jobOf(caller, id)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(job.status);
    },
    () => `job ${id} finished (last seen: ${JSON.stringify(job)})`,
  );
  return job;
}

/** Follows the job's SSE stream to its end, handing each event to `onEvent` as it comes. */
export async function jobEvents(caller: Caller, id: string, onEvent?: (event: any) => void) {
  const response = await caller(`/api/v1/media/jobs/${id}/events`);
  if (response.status !== 200) throw new Error(`job events answered ${response.status}`);
  if (!response.headers.get('content-type')?.includes('text/event-stream')) {
    throw new Error(`job events came as ${response.headers.get('content-type')}`);
  }
  const seen: any[] = [];
  for await (const message of readSse(response.body)) {
    const event = JSON.parse(message.data);
    seen.push(event);
    onEvent?.(event);
    if (event.type === 'done' || event.type === 'error') break;
  }
  return seen;
}

/** Waits for today's usage of `model` to be in the caller's ledger (it is written from a durable stream), and gives it back. */
export async function recordedUsageOf(caller: Caller, model: string) {
  const today = new Date().toISOString().slice(0, 10);
  let summary: any;
  const recorded = () => (summary?.byModel ?? []).find((m: any) => m.model === model);
  await waitFor(
    async () => {
      summary = await json(await caller(`/api/v1/usage?from=${today}&groupBy=model`));
      return recorded() !== undefined;
    },
    () => `usage of ${model} recorded (${JSON.stringify(summary)})`,
  );
  return recorded();
}

/**
 * The media job calls as a registered user of the gateway at `baseUrl()` (read at each call, so the
 * platform may start after this is made): `as(user)` for any other call.
 */
export function mediaJobsAs(baseUrl: () => string) {
  const as = (user: RegisteredUser) => api(baseUrl(), user.accessToken);
  return {
    as,
    jobOf: (user: RegisteredUser, id: string) => jobOf(as(user), id),
    finished: (user: RegisteredUser, id: string) => finishedJob(as(user), id),
    events: (user: RegisteredUser, id: string, onEvent?: (event: any) => void) =>
      jobEvents(as(user), id, onEvent),
  };
}
