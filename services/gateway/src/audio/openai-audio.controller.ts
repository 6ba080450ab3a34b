import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MAX_SPEECH_CHARS, type SpeechFormat } from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { VoiceRequests } from './voice-requests';

const TAG = 'openai-compatible';

/** OpenAI's voices: a request naming one speaks with the engine's default voice. */
const OPENAI_VOICES = new Set([
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'nova',
  'onyx',
  'sage',
  'shimmer',
  'verse',
]);

const TRANSCRIPTION_FIELDS = ['model', 'language', 'prompt', 'response_format', 'temperature'] as const;
const OpenAiTranscriptionFieldsSchema = z.object({
  model: z
    .string()
    .describe('an engine id (`pocketsphinx`...) or any other name for the default engine (`whisper-1`)'),
  language: z.string().optional(),
  prompt: z.string().optional().describe('ignored'),
  response_format: z.enum(['json', 'text', 'verbose_json']).optional(),
  temperature: z.string().optional().describe('ignored'),
});

const OpenAiSpeechBodySchema = z.object({
  model: z.string().min(1).max(200),
  input: z.string().trim().min(1, 'must not be empty').max(MAX_SPEECH_CHARS),
  voice: z.string().min(1).max(200),
  response_format: z.enum(['mp3', 'opus', 'wav', 'pcm']).default('mp3'),
  speed: z.number().min(0.25).max(4).optional(),
  instructions: z.string().max(4_096).optional(),
});
type OpenAiSpeechBody = z.infer<typeof OpenAiSpeechBodySchema>;

/** An OpenAI model name that is one of ours picks that engine; OpenAI's own (`whisper-1`, `tts-1`) the default. */
const engineOf = (model: string | undefined): string | undefined =>
  model && /^[a-z0-9][a-z0-9-]{0,39}$/.test(model) && !/^(whisper|gpt|tts)-/.test(model) ? model : undefined;

/** OpenAI's audio endpoints over the voice service, so the official SDKs work by changing only baseURL. */
@Controller('v1/audio')
export class OpenAiAudioController {
  constructor(private readonly voice: VoiceRequests) {}

  @Post('transcriptions')
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Transcription, OpenAI format (multipart/form-data: `file`, `model`, optional `language`, `response_format`)',
    tag: TAG,
    multipart: { fields: OpenAiTranscriptionFieldsSchema, file: 'file' },
  })
  async transcriptions(
    @Req() request: FastifyRequest,
    @Caller() caller: AuthenticatedCaller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    let responseFormat = 'json';
    const transcription = await this.voice.transcribe(
      request,
      caller,
      (fields) => {
        responseFormat = fields.response_format ?? 'json';
        return {
          ...(fields.language ? { language: fields.language } : {}),
          ...(engineOf(fields.model) ? { engine: engineOf(fields.model) } : {}),
        };
      },
      TRANSCRIPTION_FIELDS,
    );
    if (responseFormat === 'text') {
      reply.type('text/plain; charset=utf-8');
      return transcription.text;
    }
    if (responseFormat === 'verbose_json')
      return {
        task: 'transcribe',
        language: transcription.language,
        duration: transcription.durationSeconds,
        text: transcription.text,
        segments: [],
      };
    return { text: transcription.text };
  }

  @Post('speech')
  @HttpCode(200)
  @ApiRoute({
    summary:
      "Speech, OpenAI format (`model`, `input`, `voice`, `response_format`): OpenAI's voice names speak with the engine's default voice",
    tag: TAG,
    body: OpenAiSpeechBodySchema,
    produces: 'audio',
  })
  async speech(
    @Body() body: OpenAiSpeechBody,
    @Caller() caller: AuthenticatedCaller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const engine = engineOf(body.model);
    const { speech, audio } = await this.voice.synthesize(
      {
        text: body.input,
        format: body.response_format as SpeechFormat,
        ...(engine ? { engine } : {}),
        ...(OPENAI_VOICES.has(body.voice) ? {} : { voice: body.voice }),
      },
      caller,
    );
    reply.type(speech.contentType);
    return audio;
  }
}
