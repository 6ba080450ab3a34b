import { describe, expect, it } from '@jest/globals';
import type { MediaJob, MediaResult } from '@conduit/contracts';
import { progressOf, progressOfJob } from './job-progress';

const jobId = '7d1f6a38-9c8e-4d43-9a4e-0e2f4f6f1a10';
const result: MediaResult = {
  url: `/api/v1/media/files/${jobId}/0?expires=1&signature=${'a'.repeat(64)}`,
  urlExpiresAt: '2026-12-07T14:00:00.000Z',
  contentType: 'image/png',
  bytes: 2048,
  metadata: { placeholder: true },
};

describe('progressOf (job events)', () => {
  it('shows a queued job as waiting, with no percent', () => {
    expect(progressOf({ seq: 0, type: 'queued', jobId })).toEqual({
      status: 'queued',
      percent: null,
      message: 'Queued: waiting for a worker…',
      finished: false,
      results: [],
    });
  });

  it('shows the running percent rounded, the attempt once it is a retry, and no percent when unknown', () => {
    expect(progressOf({ seq: 1, type: 'running', jobId, attempt: 1, percent: 42.6 })).toMatchObject({
      status: 'running',
      percent: 42.6,
      message: 'Running: 43%',
      finished: false,
    });
    expect(progressOf({ seq: 2, type: 'running', jobId, attempt: 2, percent: null }).message).toBe(
      'Running (attempt 2)…',
    );
  });

  it('ends with the results, the failure reason or the cancellation', () => {
    expect(
      progressOf({ seq: 3, type: 'done', jobId, status: 'succeeded', results: [result], reason: null }),
    ).toEqual({
      status: 'succeeded',
      percent: 100,
      message: 'Succeeded: 1 file.',
      finished: true,
      results: [result],
    });
    expect(
      progressOf({
        seq: 3,
        type: 'done',
        jobId,
        status: 'failed',
        results: [],
        reason: 'PROVIDER_REFUSED: no',
      }),
    ).toMatchObject({ status: 'failed', message: 'Failed: PROVIDER_REFUSED: no', finished: true });
    expect(
      progressOf({ seq: 3, type: 'done', jobId, status: 'failed', results: [], reason: null }).message,
    ).toBe('Failed: no reason given');
    expect(
      progressOf({ seq: 3, type: 'done', jobId, status: 'cancelled', results: [], reason: null }),
    ).toMatchObject({ status: 'cancelled', message: 'Cancelled.', finished: true, percent: null });
  });

  it('tells a broken stream apart from a failed job', () => {
    const state = progressOf({
      seq: 4,
      type: 'error',
      error: { code: 'STREAM_LOST', message: 'no heartbeat' },
    });
    expect(state).toMatchObject({
      status: 'error',
      finished: true,
      message: 'Lost track of the job: no heartbeat',
    });
  });
});

describe('progressOfJob (a job as read)', () => {
  const job = (fields: Partial<MediaJob>): MediaJob =>
    ({
      id: jobId,
      kind: 'image',
      input: { prompt: 'a lighthouse', model: 'offline/placeholder-image', size: '256x256', n: 1 },
      status: 'queued',
      model: 'offline/placeholder-image',
      progress: null,
      attempts: 0,
      results: [],
      failureReason: null,
      createdAt: '2026-12-07T13:00:00.000Z',
      updatedAt: '2026-12-07T13:00:00.000Z',
      finishedAt: null,
      ...fields,
    }) as MediaJob;

  it('says the same as the events would', () => {
    expect(progressOfJob(job({ status: 'running', attempts: 1, progress: 10 })).message).toBe('Running: 10%');
    expect(progressOfJob(job({ status: 'succeeded', results: [result, result] })).message).toBe(
      'Succeeded: 2 files.',
    );
    expect(progressOfJob(job({ status: 'failed', failureReason: 'too busy' })).message).toBe(
      'Failed: too busy',
    );
  });
});
