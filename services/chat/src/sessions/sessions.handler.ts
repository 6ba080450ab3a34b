import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { ChatContract, requireUserId } from '@conduit/contracts';
import type { ParsedRequestOf } from '@conduit/contracts';
import { SessionService } from './session.service';

@Controller()
export class SessionsHandler {
  constructor(private readonly sessions: SessionService) {}

  @HandleRequest(ChatContract.createSession)
  create(@Payload() payload: ParsedRequestOf<typeof ChatContract.createSession>, @Ctx() ctx: BusContext) {
    return this.sessions.create({ ...ctx.caller, userId: requireUserId(ctx.envelope) }, payload);
  }

  @HandleRequest(ChatContract.listSessions)
  list(@Payload() payload: ParsedRequestOf<typeof ChatContract.listSessions>, @Ctx() ctx: BusContext) {
    return this.sessions.list(requireUserId(ctx.envelope), payload.limit, payload.cursor);
  }

  @HandleRequest(ChatContract.getSession)
  get(@Payload() payload: ParsedRequestOf<typeof ChatContract.getSession>, @Ctx() ctx: BusContext) {
    return this.sessions.get(requireUserId(ctx.envelope), payload.sessionId);
  }

  @HandleRequest(ChatContract.listMessages)
  listMessages(
    @Payload() payload: ParsedRequestOf<typeof ChatContract.listMessages>,
    @Ctx() ctx: BusContext,
  ) {
    return this.sessions.listMessages(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(ChatContract.updateSession)
  update(@Payload() payload: ParsedRequestOf<typeof ChatContract.updateSession>, @Ctx() ctx: BusContext) {
    return this.sessions.update(
      { ...ctx.caller, userId: requireUserId(ctx.envelope) },
      payload.sessionId,
      payload.update,
    );
  }

  @HandleRequest(ChatContract.truncateAnswer)
  truncateAnswer(
    @Payload() payload: ParsedRequestOf<typeof ChatContract.truncateAnswer>,
    @Ctx() ctx: BusContext,
  ) {
    return this.sessions.truncateAnswer(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(ChatContract.recordExchange)
  recordExchange(
    @Payload() payload: ParsedRequestOf<typeof ChatContract.recordExchange>,
    @Ctx() ctx: BusContext,
  ) {
    return this.sessions.recordExchange(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(ChatContract.deleteSession)
  delete(@Payload() payload: ParsedRequestOf<typeof ChatContract.deleteSession>, @Ctx() ctx: BusContext) {
    return this.sessions.delete(requireUserId(ctx.envelope), payload.sessionId);
  }
}
