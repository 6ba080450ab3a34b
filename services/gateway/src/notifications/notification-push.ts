import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { AgentsSchedulesContract } from '@conduit/contracts';
import { WsUserSessions } from '../ws/ws-user-sessions';

/**
 * Hears every new notification on every gateway replica (no queue group: a user's connections may be on
 * any of them) and pushes it, as a `notification` frame, to its owner's open `/ws` connections here.
 * A user with none open reads it later from `GET /api/v1/notifications`.
 */
@Injectable()
export class NotificationPush implements OnModuleInit, OnModuleDestroy {
  private subscription: ReturnType<Bus['subscribeEvent']> | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly sessions: WsUserSessions,
  ) {}

  onModuleInit(): void {
    this.subscription = this.bus.subscribeEvent(AgentsSchedulesContract.notificationCreated, (event) => {
      this.sessions.sendTo(event.userId, { type: 'notification', notification: event.notification });
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
