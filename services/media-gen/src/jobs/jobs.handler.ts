import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { MediaGenContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { JobDeletion } from './job-deletion.service';
import { JobsService } from './jobs.service';

/** Jobs, always the envelope's user's. */
@Controller()
export class JobsHandler {
  constructor(
    private readonly jobs: JobsService,
    private readonly deletion: JobDeletion,
  ) {}

  @HandleRequest(MediaGenContract.createImageJob)
  create(
    @Payload() payload: ParsedRequestOf<typeof MediaGenContract.createImageJob>,
    @Ctx() ctx: BusContext,
  ) {
    const owner = { userId: requireUserId(ctx.envelope), apiKeyId: ctx.envelope.apiKeyId ?? null };
    return this.jobs.createImageJob(owner, payload.input, payload.idempotencyKey);
  }

  @HandleRequest(MediaGenContract.createVideoJob)
  createVideo(
    @Payload() payload: ParsedRequestOf<typeof MediaGenContract.createVideoJob>,
    @Ctx() ctx: BusContext,
  ) {
    const owner = { userId: requireUserId(ctx.envelope), apiKeyId: ctx.envelope.apiKeyId ?? null };
    return this.jobs.createVideoJob(owner, payload.input, payload.idempotencyKey);
  }

  @HandleRequest(MediaGenContract.getJob)
  get(@Payload() payload: ParsedRequestOf<typeof MediaGenContract.getJob>, @Ctx() ctx: BusContext) {
    return this.jobs.get(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(MediaGenContract.listJobs)
  list(@Payload() payload: ParsedRequestOf<typeof MediaGenContract.listJobs>, @Ctx() ctx: BusContext) {
    return this.jobs.list(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(MediaGenContract.cancelJob)
  cancel(@Payload() payload: ParsedRequestOf<typeof MediaGenContract.cancelJob>, @Ctx() ctx: BusContext) {
    const owner = { userId: requireUserId(ctx.envelope), apiKeyId: ctx.envelope.apiKeyId ?? null };
    return this.jobs.cancel(owner, payload.id);
  }

  @HandleRequest(MediaGenContract.deleteJob)
  delete(@Payload() payload: ParsedRequestOf<typeof MediaGenContract.deleteJob>, @Ctx() ctx: BusContext) {
    return this.deletion.delete(requireUserId(ctx.envelope), payload.id);
  }
}
