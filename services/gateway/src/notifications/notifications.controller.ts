import { Controller, Get, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  AgentsSchedulesContract,
  ListNotificationsQuerySchema,
  NotificationPageSchema,
  NotificationSchema,
  type ListNotificationsQuery,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const TAG = 'notifications';
const NotificationRefSchema = z.strictObject({ id: z.uuid() });

/** What the caller is told (the outcomes of scheduled agent runs): listed, and marked read. */
@Controller('api/v1/notifications')
export class NotificationsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  @ApiRoute({
    summary:
      'Your notifications, newest first, one page at a time (unread=true: unread only), with the unread count',
    tag: TAG,
    query: ListNotificationsQuerySchema,
    response: NotificationPageSchema,
  })
  list(@Query() query: ListNotificationsQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsSchedulesContract.listNotifications, query, caller);
  }

  @Post('read-all')
  @ApiRoute({
    summary: 'Mark all your notifications read',
    tag: TAG,
    response: z.object({ updated: z.number().int() }),
    successStatus: 200,
  })
  markAllRead(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsSchedulesContract.markAllNotificationsRead, {}, caller);
  }

  @Post(':id/read')
  @ApiRoute({
    summary: 'Mark one notification read',
    tag: TAG,
    params: NotificationRefSchema,
    response: NotificationSchema,
    successStatus: 200,
  })
  markRead(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsSchedulesContract.markNotificationRead, params, caller);
  }
}
