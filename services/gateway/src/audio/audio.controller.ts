import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  SynthesizeRequestSchema,
  TranscriptionSchema,
  VoiceContract,
  VoiceListSchema,
  VoiceMessageRequestSchema,
  VoiceMessageResultSchema,
  type SynthesizeRequest,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { VoiceRequests } from './voice-requests';

const TAG = 'audio';
const TRANSCRIPTION_FIELDS = ['language', 'engine', 'model'] as const;
const TranscriptionFormFieldsSchema = z.object({
  language: z.string().optional().describe('BCP-47, default en-US'),
  engine: z
    .string()
    .optional()
    .describe('speech-to-text engine (GET /api/v1/audio/voices); default VOICE_DEFAULT_STT'),
  model: z.string().optional().describe("the engine's own model"),
});
const MESSAGE_FIELDS = ['language', 'sessionId', 'model', 'stt', 'tts', 'voice', 'format'] as const;
const MessageFormFieldsSchema = VoiceMessageRequestSchema.omit({ upload: true }).partial();

/** The voice message answer: the transcript, chat's reply, and the reply spoken (base64). */
const VoiceMessageResponseSchema = VoiceMessageResultSchema.extend({
  audio: VoiceMessageResultSchema.shape.audio.omit({ upload: true }).extend({ base64: z.string() }),
});

/** Speech to text, text to speech, and spoken chat messages, through the voice service. */
@Controller('api/v1')
export class AudioController {
  constructor(
    private readonly bus: Bus,
    private readonly voice: VoiceRequests,
  ) {}

  @Post('audio/transcriptions')
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Transcribe a recording (multipart/form-data: `file`, and optional `language`, `engine`, `model`): wav, mp3, ogg/opus, webm, m4a or flac, the type told from the content; up to VOICE_UPLOAD_MAX_BYTES and VOICE_UPLOAD_MAX_SECONDS',
    tag: TAG,
    multipart: { fields: TranscriptionFormFieldsSchema, file: 'file' },
    response: TranscriptionSchema,
  })
  transcribe(@Req() request: FastifyRequest, @Caller() caller: AuthenticatedCaller) {
    return this.voice.transcribe(request, caller, (fields) => fields, TRANSCRIPTION_FIELDS);
  }

  @Post('audio/speech')
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Speak a text (up to 4,096 characters): the audio itself, as mp3 (default), wav, opus (ogg) or pcm (raw 16-bit mono little-endian, 24 kHz); headers X-Audio-Duration-Seconds and X-Audio-Sample-Rate',
    tag: TAG,
    body: SynthesizeRequestSchema,
    produces: 'audio',
  })
  async speech(
    @Body() body: SynthesizeRequest,
    @Caller() caller: AuthenticatedCaller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const { speech, audio } = await this.voice.synthesize(body, caller);
    reply
      .type(speech.contentType)
      .header('x-audio-duration-seconds', speech.durationSeconds.toFixed(3))
      .header('x-audio-sample-rate', String(speech.sampleRate));
    return audio;
  }

  @Get('audio/voices')
  @ApiRoute({
    summary:
      'The speech engines, whether each can run here (and why not), and the voices of those that speak',
    tag: TAG,
    response: VoiceListSchema,
  })
  voices(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(VoiceContract.listVoices, {}, caller);
  }

  @Post('voice/messages')
  @HttpCode(200)
  @ApiRoute({
    summary:
      'A spoken chat message (multipart/form-data: `file`, and optional `sessionId`, `model`, `language`, `stt`, `tts`, `voice`, `format`): transcribed, answered by chat in your session (a new one when none is given), the answer spoken; JSON with the transcript, the reply and its audio in base64',
    tag: TAG,
    multipart: { fields: MessageFormFieldsSchema, file: 'file' },
    response: VoiceMessageResponseSchema,
  })
  async message(@Req() request: FastifyRequest, @Caller() caller: AuthenticatedCaller) {
    const { result, audio } = await this.voice.sendMessage(request, caller, MESSAGE_FIELDS);
    const { upload: _upload, ...speech } = result.audio;
    return { ...result, audio: { ...speech, base64: audio.toString('base64') } };
  }
}
