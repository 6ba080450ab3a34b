import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@conduit/contracts';
import { MEDIA_STORAGE, type MediaStorage } from '../storage/media-storage.port';
import { JobRepository, isFinal } from './job.repository';

const notFound = (id: string) => new DomainError(ErrorCode.NotFound, 'No such job', { id });

/**
 * Deletes a user's finished job and its stored files. A queued or running job is refused (CONFLICT):
 * its worker could still be writing files. The files go first, so a failure leaves the job to delete again.
 */
@Injectable()
export class JobDeletion {
  constructor(
    private readonly jobs: JobRepository,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
  ) {}

  async delete(userId: string, id: string): Promise<{ id: string; deleted: true }> {
    const job = await this.jobs.find(userId, id);
    if (!job) throw notFound(id);
    if (!isFinal(job.status)) {
      throw new DomainError(ErrorCode.Conflict, 'The job has not finished: cancel it first', {
        id,
        status: job.status,
      });
    }
    for (const result of job.results) await this.storage.delete(result.storageKey);
    if (!(await this.jobs.deleteFinished(userId, id))) throw notFound(id);
    return { id, deleted: true };
  }
}
