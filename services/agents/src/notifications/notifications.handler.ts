import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { AgentsSchedulesContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { NotificationsService } from './notifications.service';

const Contract = AgentsSchedulesContract;

/** Notifications, always the envelope's user's. */
@Controller()
export class NotificationsHandler {
  constructor(private readonly notifications: NotificationsService) {}

  @HandleRequest(Contract.listNotifications)
  list(@Payload() payload: ParsedRequestOf<typeof Contract.listNotifications>, @Ctx() ctx: BusContext) {
    return this.notifications.list(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(Contract.markNotificationRead)
  markRead(
    @Payload() payload: ParsedRequestOf<typeof Contract.markNotificationRead>,
    @Ctx() ctx: BusContext,
  ) {
    return this.notifications.markRead(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(Contract.markAllNotificationsRead)
  markAllRead(@Ctx() ctx: BusContext) {
    return this.notifications.markAllRead(requireUserId(ctx.envelope));
  }
}
