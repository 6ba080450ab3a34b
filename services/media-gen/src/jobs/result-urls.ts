import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { MediaJob, MediaResult } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import type { StoredJob } from './job.repository';
import { SignedUrls } from '../storage/signed-urls';

/** A job as its owner sees it: results as freshly signed URLs, the failure reason only once it failed. */
@Injectable()
export class ResultUrls {
  readonly signer: SignedUrls;

  constructor(@InjectConfig() config: MediaGenConfig) {
    let secret = config.MEDIA_URL_SECRET;
    if (!secret) {
      new Logger(ResultUrls.name).warn(
        'MEDIA_URL_SECRET is not set: result URLs are signed with a random key and work on this process only',
      );
      secret = randomBytes(32).toString('hex');
    }
    this.signer = new SignedUrls(secret, config.MEDIA_URL_TTL_MS);
  }

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
