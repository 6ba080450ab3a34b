import { Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  type ErrorBody,
  type VoiceMessageRequest,
  type VoiceMessageResult,
} from '@conduit/contracts';
import type { MeteredCaller } from '@conduit/metering';
import { ChatReplies, type ChatReply } from '../replies/chat-replies';
import { SpeechService } from '../speech/speech.service';
import { TranscriptionService } from '../transcriptions/transcription.service';

/** A spoken message: transcribed, answered by chat in the caller's session, the answer spoken. */
@Injectable()
export class VoiceMessageService {
  constructor(
    private readonly transcriptions: TranscriptionService,
    private readonly chat: ChatReplies,
    private readonly speech: SpeechService,
  ) {}

  async send(
    caller: MeteredCaller,
    request: VoiceMessageRequest,
    reference: string,
  ): Promise<VoiceMessageResult> {
    // Someone else's session is refused before any work is spent on the recording.
    const continued = request.sessionId
      ? await this.chat.continueConversation(caller, request.sessionId)
      : undefined;
    const transcription = await this.transcriptions.transcribe(
      caller,
      { upload: request.upload, language: request.language, engine: request.stt },
      reference,
    );
    const transcript = transcription.text.trim();
    if (!transcript)
      throw new DomainError(ErrorCode.UnreadableFile, 'No speech was recognised in the recording');
    const { sessionId } = continued ?? (await this.chat.newConversation(caller, { model: request.model }));
    const reply = await this.chat.startReply(caller, sessionId, transcript, request.model);
    const { text, model } = await wholeAnswer(reply);
    const audio = await this.speech.synthesize(
      caller,
      {
        text: text.trim() || '…',
        voice: request.voice,
        engine: request.tts,
        format: request.format,
        language: request.language,
      },
      reference,
    );
    return {
      sessionId,
      assistantMessageId: reply.assistantMessageId,
      model,
      transcript,
      reply: text,
      inputSeconds: transcription.durationSeconds,
      audio,
    };
  }
}

/** Chat's answer, once it is complete; its error event as the thrown error. */
async function wholeAnswer(reply: ChatReply): Promise<{ text: string; model: string }> {
  let text = '';
  try {
    for await (const event of reply.events) {
      switch (event.type) {
        case 'delta':
          text += event.text;
          break;
        case 'usage':
        case 'step.started':
        case 'tool.call':
        case 'tool.result':
        case 'step.finished':
          break; // only the answer's text is spoken
        case 'error':
          throw DomainError.fromBody(event.error as ErrorBody);
        case 'done':
          return { text, model: event.model };
      }
    }
  } finally {
    reply.events.close();
  }
  throw new DomainError(ErrorCode.StreamLost, 'The chat answer ended without a result');
}
