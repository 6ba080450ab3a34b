import { Module } from '@nestjs/common';
import { AudioController } from './audio.controller';
import { OpenAiAudioController } from './openai-audio.controller';
import { VoiceAudioTransfer } from './voice-audio-transfer';
import { VoiceRequests } from './voice-requests';

/** Transcription, speech and spoken chat messages, relayed to the voice service. */
@Module({
  controllers: [AudioController, OpenAiAudioController],
  providers: [VoiceAudioTransfer, VoiceRequests],
})
export class AudioModule {}
