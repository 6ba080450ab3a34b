import { Module } from '@nestjs/common';
import { WsModule } from '../ws/ws.module';
import { NotificationPush } from './notification-push';
import { NotificationsController } from './notifications.controller';

/** Notifications: listed and marked read through the agents service, pushed live over `/ws`. */
@Module({
  imports: [WsModule],
  controllers: [NotificationsController],
  providers: [NotificationPush],
})
export class NotificationsModule {}
