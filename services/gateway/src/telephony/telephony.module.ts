import { Module } from '@nestjs/common';
import { WsModule } from '../ws/ws.module';
import { CallTokens } from './call-tokens';
import { TwilioStreamRoute } from './twilio-stream.route';
import { TwilioWebhookController } from './twilio-webhook.controller';

/** Phone calls over Twilio: the call webhooks and the media streams they connect to voice conversations. */
@Module({
  imports: [WsModule],
  controllers: [TwilioWebhookController],
  providers: [CallTokens, TwilioStreamRoute],
})
export class TelephonyModule {}
