import { Injectable } from '@nestjs/common';
import type { MediaJob, MediaResult } from '@conduit/contracts';
import type { StoredJob } from './job.repository';
import { SignedUrls } from '../storage/signed-urls';

/** A job as its owner sees it: results as freshly signed URLs, the failure reason only once it failed. */
@Injectable()
export class ResultUrls {
  constructor(readonly signer: SignedUrls) {}

  resultsOf(job: StoredJob): MediaResult[] {
    return job.results.map((result) => {
      const signed = this.signer.sign(job.userId, job.id, result.index);
      return {
        url: signed.url,
        urlExpiresAt: signed.expiresAt.toISOString(),
        contentType: result.contentType,
        bytes: result.bytes,
        metadata: result.metadata,
      };
    });
  }

  present(job: StoredJob): MediaJob {
    return {
      ...(job.kind === 'image' ? { kind: job.kind, input: job.input } : { kind: job.kind, input: job.input }),
      id: job.id,
      status: job.status,
      model: job.model,
      progress: job.progress,
      attempts: job.attempts,
      results: this.resultsOf(job),
      failureReason: job.status === 'failed' ? job.failureReason : null,
      createdAt: job.createdAt.toISOString(),
      updatedAt: job.updatedAt.toISOString(),
      finishedAt: job.finishedAt?.toISOString() ?? null,
    };
  }
}
