import { Module } from '@nestjs/common';
import { WsModule } from '../ws/ws.module';
import { VoiceSocketRoute } from './voice-socket.route';

/** The real-time voice edge (`/ws/voice`) over the voice service's live sessions. */
@Module({
  imports: [WsModule],
  providers: [VoiceSocketRoute],
})
export class VoiceModule {}
