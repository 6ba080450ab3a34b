import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  SynthesizeRequestSchema,
  TranscribeRequestSchema,
  validationError,
  VoiceContract,
  VoiceMessageRequestSchema,
  type CallerContext,
  type SpeechAudio,
  type SynthesizeRequest,
  type Transcription,
  type VoiceMessageResult,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config';
import { readUploadForm } from '../http/upload-form';
import { VoiceAudioTransfer } from './voice-audio-transfer';

/** Decoding and recognising a long recording takes a while; the voice service bounds it itself. */
const AUDIO_TIMEOUT_MS = 180_000;

/** A voice message also waits for chat's whole answer. */
const VOICE_MESSAGE_TIMEOUT_MS = 300_000;

/** The voice service's request/response calls as the audio routes make them: uploads in, audio out. */
@Injectable()
export class VoiceRequests {
  constructor(
    private readonly bus: Bus,
    private readonly transfer: VoiceAudioTransfer,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  /** Transcribes the form's recording; `fields` maps the form's own names to the request's. */
  async transcribe(
    request: FastifyRequest,
    caller: CallerContext,
    toRequest: (fields: Readonly<Record<string, string>>) => Record<string, unknown>,
    allowedFields: readonly string[],
  ): Promise<Transcription> {
    const form = await readUploadForm(request, this.transfer, {
      allowedFields,
      maxBytes: this.config.VOICE_UPLOAD_MAX_BYTES,
      noun: 'recording',
    });
    try {
      const parsed = TranscribeRequestSchema.safeParse({ upload: form.upload, ...toRequest(form.fields) });
      if (!parsed.success) throw validationError(parsed.error, 'form fields');
      return await this.bus.request(VoiceContract.transcribe, parsed.data, caller, {
        timeoutMs: AUDIO_TIMEOUT_MS,
      });
    } finally {
      await this.transfer.discard(form.upload);
    }
  }

  /** Speaks `body`; the audio and what it is. */
  async synthesize(
    body: SynthesizeRequest,
    caller: CallerContext,
  ): Promise<{ speech: SpeechAudio; audio: Buffer }> {
    const speech = await this.bus.request(
      VoiceContract.synthesize,
      SynthesizeRequestSchema.parse(body),
      caller,
      {
        timeoutMs: AUDIO_TIMEOUT_MS,
      },
    );
    return { speech, audio: Buffer.from(await this.transfer.take(speech.upload)) };
  }

  async sendMessage(
    request: FastifyRequest,
    caller: CallerContext,
    allowedFields: readonly string[],
  ): Promise<{ result: VoiceMessageResult; audio: Buffer }> {
    const form = await readUploadForm(request, this.transfer, {
      allowedFields,
      maxBytes: this.config.VOICE_UPLOAD_MAX_BYTES,
      noun: 'recording',
    });
    try {
      const parsed = VoiceMessageRequestSchema.safeParse({ upload: form.upload, ...form.fields });
      if (!parsed.success) throw validationError(parsed.error, 'form fields');
      const result = await this.bus.request(VoiceContract.sendMessage, parsed.data, caller, {
        timeoutMs: VOICE_MESSAGE_TIMEOUT_MS,
      });
      return { result, audio: Buffer.from(await this.transfer.take(result.audio.upload)) };
    } finally {
      await this.transfer.discard(form.upload);
    }
  }
}
