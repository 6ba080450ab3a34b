import { z } from 'zod';
import { TranscriptToolResultSchema } from './agent-steps';
import { ModelIdSchema } from './chat';
import { defineChannel, defineRequest } from './definitions';
import { ErrorCode } from './errors';

/**
 * The `/ws/voice` protocol. The client sends JSON text frames ({@link VoiceClientMessageSchema}) and
 * binary frames of audio in the format its `start` named; the server sends JSON text frames
 * ({@link VoiceServerEventSchema}) and binary frames of reply audio, each reply's frames bracketed by
 * `audio.started` and `audio.done` (or `audio.cancelled` on barge-in).
 */

/** Input sample rates the service takes; anything but 16 kHz is resampled. */
export const VOICE_INPUT_SAMPLE_RATES = [8_000, 16_000, 24_000, 48_000] as const;
export const VoiceInputSampleRateSchema = z.union(VOICE_INPUT_SAMPLE_RATES.map((rate) => z.literal(rate)));

/** Reply audio formats: raw PCM at the client's rate, or compressed. */
export const VoiceOutputFormatSchema = z.enum(['pcm16', 'opus', 'mp3']);
export type VoiceOutputFormat = z.infer<typeof VoiceOutputFormatSchema>;

/** An engine name as clients choose it (`deepgram`, `pocketsphinx`, `elevenlabs`, `espeak-ng`...). */
const EngineName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/);

/**
 * How a live session answers: `pipeline` (the default) recognises each turn, asks chat and speaks the
 * answer; `realtime` streams the audio to a speech-to-speech model (OpenAI Realtime, Gemini Live),
 * named by `model` as `<provider>/<model>` (`openai/gpt-realtime`, `google/gemini-...`).
 */
export const VoiceModeSchema = z.enum(['pipeline', 'realtime']);
export type VoiceMode = z.infer<typeof VoiceModeSchema>;

export const VoiceStartSchema = z.strictObject({
  type: z.literal('start'),
  sampleRate: VoiceInputSampleRateSchema,
  encoding: z.literal('pcm16'),
  mode: VoiceModeSchema.default('pipeline'),
  /** BCP-47 language of the user's speech. */
  language: z.string().min(2).max(35).default('en-US'),
  /**
   * The model that answers (`<provider>/<model>`): a chat model in `pipeline` mode (unset: chat's
   * default), a realtime model in `realtime` mode (unset: the service's default realtime model).
   */
  model: z.string().min(1).max(200).optional(),
  /** The speech engine's voice id (see GET /api/v1/audio/voices). */
  voice: z.string().min(1).max(200).optional(),
  stt: EngineName.optional(),
  tts: EngineName.optional(),
  outputFormat: VoiceOutputFormatSchema.default('pcm16'),
  systemPrompt: z.string().min(1).max(20_000).optional(),
  /** A chat session to continue; unset starts a new one. */
  sessionId: z.uuid().optional(),
  /**
   * One of the caller's agents, to link a new conversation's chat session to (its instructions, model
   * and tools answer, as in chat); a continued session keeps its own link. Not with `sessionId`.
   */
  agentId: z.uuid().optional(),
  /** Silence after speech that ends the user's turn. */
  endOfTurnSilenceMs: z.number().int().min(200).max(5_000).default(600),
});
export type VoiceStart = z.infer<typeof VoiceStartSchema>;

/** Stop the reply now (as if the user spoke over it). */
const VoiceInterruptSchema = z.strictObject({ type: z.literal('interrupt') });
/** End the session: the server finishes with `done` and closes. */
const VoiceStopSchema = z.strictObject({ type: z.literal('stop') });
/** A user turn typed instead of spoken. */
const VoiceSaySchema = z.strictObject({ type: z.literal('say'), text: z.string().min(1).max(20_000) });

export const VoiceClientMessageSchema = z.discriminatedUnion('type', [
  VoiceStartSchema,
  VoiceInterruptSchema,
  VoiceStopSchema,
  VoiceSaySchema,
]);
export type VoiceClientMessage = z.infer<typeof VoiceClientMessageSchema>;

/** Each turn's latency breakdown, in ms from the end of the user's speech unless said otherwise. */
export const VoiceTurnMetricsSchema = z.object({
  turnId: z.string(),
  /** End of speech as the VAD saw it, relative to the session's start. */
  vadEndOfSpeechMs: z.number().nullable(),
  firstPartialMs: z.number().nullable(),
  finalTranscriptMs: z.number().nullable(),
  llmFirstTokenMs: z.number().nullable(),
  ttsFirstByteMs: z.number().nullable(),
  /** End of speech to the first reply audio byte sent to the client: what the user waits. */
  endOfSpeechToFirstAudioMs: z.number().nullable(),
  interrupted: z.boolean(),
});
export type VoiceTurnMetrics = z.infer<typeof VoiceTurnMetricsSchema>;

const VoiceReadyEventSchema = z.object({
  type: z.literal('ready'),
  voiceSessionId: z.uuid(),
  /** The chat session the conversation is stored in. */
  sessionId: z.uuid(),
  mode: VoiceModeSchema,
  /** In `realtime` mode both name the realtime model (`openai/gpt-realtime`). */
  stt: z.string(),
  tts: z.string(),
  /** The reply audio's format and rate. */
  outputFormat: VoiceOutputFormatSchema,
  outputSampleRate: z.number().int(),
});

/**
 * A tool the answering model called, in a conversation whose chat session is linked to an agent: the
 * agent's `tool.call` and `tool.result` (same fields as on the chat and agent run streams), by turn.
 */
export const VoiceToolCallEventSchema = z.object({
  type: z.literal('tool.call'),
  turnId: z.string(),
  callId: z.string(),
  name: z.string(),
  /** The parsed arguments; the raw text when the model wrote invalid JSON. */
  arguments: z.unknown(),
});
export const VoiceToolResultEventSchema = TranscriptToolResultSchema.extend({
  type: z.literal('tool.result'),
  turnId: z.string(),
});
export type VoiceToolCallEvent = z.infer<typeof VoiceToolCallEventSchema>;
export type VoiceToolResultEvent = z.infer<typeof VoiceToolResultEventSchema>;

export const VoiceServerEventSchema = z.discriminatedUnion('type', [
  VoiceReadyEventSchema,
  z.object({ type: z.literal('speech.started'), turnId: z.string(), atMs: z.number() }),
  z.object({ type: z.literal('speech.stopped'), turnId: z.string(), atMs: z.number() }),
  z.object({ type: z.literal('transcript.partial'), turnId: z.string(), text: z.string() }),
  z.object({ type: z.literal('transcript.final'), turnId: z.string(), text: z.string() }),
  z.object({ type: z.literal('response.delta'), turnId: z.string(), text: z.string() }),
  VoiceToolCallEventSchema,
  VoiceToolResultEventSchema,
  z.object({
    type: z.literal('audio.started'),
    turnId: z.string(),
    format: VoiceOutputFormatSchema,
    sampleRate: z.number().int(),
  }),
  z.object({ type: z.literal('audio.done'), turnId: z.string() }),
  /** Barge-in: no audio frame of this turn follows; `playedText` is what is stored as the reply. */
  z.object({ type: z.literal('audio.cancelled'), turnId: z.string(), playedText: z.string() }),
  z.object({ type: z.literal('turn.metrics'), metrics: VoiceTurnMetricsSchema }),
  z.object({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    /** Whether the session is over (the server closes the socket after it). */
    fatal: z.boolean(),
  }),
  z.object({ type: z.literal('done') }),
]);
export type VoiceServerEvent = z.infer<typeof VoiceServerEventSchema>;

/**
 * Opening a live session. The gateway picks the id, subscribes to the session's output
 * ({@link VoiceSessionChannel}) and then asks; whichever replica answers owns the session from then on:
 * only it listens on the session's input subject.
 */
export const OpenVoiceSessionRequestSchema = z.strictObject({
  voiceSessionId: z.uuid(),
  start: VoiceStartSchema,
});
export const OpenVoiceSessionResponseSchema = VoiceReadyEventSchema.omit({ type: true });
export type OpenVoiceSessionResponse = z.infer<typeof OpenVoiceSessionResponseSchema>;

/**
 * A live session's two subjects: `voice.session.<id>.in` (gateway to the owning replica: the client's
 * audio and control messages, heartbeats) and `voice.session.<id>.out` (events, reply audio,
 * heartbeats). Every message carries its number (ChannelHeader, from 0 per direction), so the
 * receiver checks nothing was lost or reordered, and its kind ({@link VoiceFrameKindSchema}). Audio payloads are
 * the raw bytes (input: pcm16 at the client's rate; output: the session's output format); the others
 * are JSON ({@link VoiceSessionControlSchema} in, {@link VoiceServerEventSchema} out). Input messages
 * carry the caller's envelope: the replica drops any not from the session's owner.
 */
export const VoiceSessionChannel = defineChannel({ name: 'voice.session' });

export const VoiceFrameKindSchema = z.enum(['audio', 'control', 'event', 'heartbeat']);
export type VoiceFrameKind = z.infer<typeof VoiceFrameKindSchema>;

/** What the gateway passes on besides audio: the client's messages after `start`. */
export const VoiceSessionControlSchema = z.discriminatedUnion('type', [
  VoiceInterruptSchema,
  VoiceStopSchema,
  VoiceSaySchema,
]);
export type VoiceSessionControl = z.infer<typeof VoiceSessionControlSchema>;

/** Both sides send a heartbeat this often while quiet; one that hears nothing for the timeout gives up. */
export const VOICE_HEARTBEAT_INTERVAL_MS = 1_000;
export const VOICE_HEARTBEAT_TIMEOUT_MS = 5_000;

/*
 * Request/response endpoints: whole recordings in, whole replies out. Audio travels through the
 * {@link VOICE_AUDIO_BUCKET} Object Store bucket in both directions (a recording seldom fits in one bus
 * message): the sender puts it and names it in its message, the receiver takes it (reads and deletes).
 */

/** Uploaded recordings and synthesised replies between the gateway and the voice service. */
export const VOICE_AUDIO_BUCKET = 'VOICE_AUDIO';

/** The name of an object in {@link VOICE_AUDIO_BUCKET}. */
const AudioObjectSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

/** Longest text one speech request may speak (OpenAI's limit for the same endpoint). */
export const MAX_SPEECH_CHARS = 4_096;

/** Formats of synthesised speech: `pcm` is raw 16-bit mono little-endian at 24 kHz (as OpenAI's). */
export const SpeechFormatSchema = z.enum(['mp3', 'wav', 'opus', 'pcm']);
export type SpeechFormat = z.infer<typeof SpeechFormatSchema>;

const LanguageSchema = z.string().min(2).max(35);

export const TranscribeRequestSchema = z.strictObject({
  upload: AudioObjectSchema,
  language: LanguageSchema.default('en-US'),
  /** The speech-to-text engine; unset takes the service's default. */
  engine: EngineName.optional(),
  /** The engine's own model name. */
  model: z.string().min(1).max(200).optional(),
});
export type TranscribeRequest = z.infer<typeof TranscribeRequestSchema>;

export const TranscriptionSchema = z.object({
  text: z.string(),
  language: z.string(),
  durationSeconds: z.number().nonnegative(),
  engine: z.string(),
  /** The container the upload was read as, told from its bytes (`wav`, `mp3`, `ogg`, `webm`, `m4a`...). */
  inputFormat: z.string(),
});
export type Transcription = z.infer<typeof TranscriptionSchema>;

export const SynthesizeRequestSchema = z.strictObject({
  text: z.string().trim().min(1, 'must not be empty').max(MAX_SPEECH_CHARS),
  /** A voice id of the engine (GET /api/v1/audio/voices); unset takes the engine's default. */
  voice: z.string().min(1).max(200).optional(),
  engine: EngineName.optional(),
  format: SpeechFormatSchema.default('mp3'),
  language: LanguageSchema.optional(),
});
export type SynthesizeRequest = z.infer<typeof SynthesizeRequestSchema>;

/** Synthesised audio, waiting in {@link VOICE_AUDIO_BUCKET} under `upload`. */
export const SpeechAudioSchema = z.object({
  upload: AudioObjectSchema,
  format: SpeechFormatSchema,
  contentType: z.string(),
  sampleRate: z.number().int().positive(),
  durationSeconds: z.number().nonnegative(),
  engine: z.string(),
  /** The voice spoken with. */
  voice: z.string().optional(),
});
export type SpeechAudio = z.infer<typeof SpeechAudioSchema>;

export const VoiceEngineInfoSchema = z.object({
  id: z.string(),
  kind: z.enum(['speech-to-text', 'text-to-speech']),
  /** The engine requests use when they name none. */
  default: z.boolean(),
  available: z.boolean(),
  /** Why it cannot run here (program not installed, key not configured). */
  reason: z.string().optional(),
});

export const VoiceListSchema = z.object({
  engines: z.array(VoiceEngineInfoSchema),
  voices: z.array(
    z.object({ engine: z.string(), id: z.string(), name: z.string(), language: z.string().optional() }),
  ),
});
export type VoiceList = z.infer<typeof VoiceListSchema>;

/** A spoken chat message: transcribed, answered by chat in a chat session, and the answer spoken. */
export const VoiceMessageRequestSchema = z.strictObject({
  upload: AudioObjectSchema,
  language: LanguageSchema.default('en-US'),
  /** A chat session of the caller to continue; unset starts a new one. */
  sessionId: z.uuid().optional(),
  /** The chat model that answers; unset takes the session's or chat's default. */
  model: ModelIdSchema.optional(),
  stt: EngineName.optional(),
  tts: EngineName.optional(),
  voice: z.string().min(1).max(200).optional(),
  format: SpeechFormatSchema.default('mp3'),
});
export type VoiceMessageRequest = z.infer<typeof VoiceMessageRequestSchema>;

export const VoiceMessageResultSchema = z.object({
  sessionId: z.uuid(),
  assistantMessageId: z.uuid(),
  model: z.string(),
  transcript: z.string(),
  reply: z.string(),
  inputSeconds: z.number().nonnegative(),
  audio: SpeechAudioSchema,
});
export type VoiceMessageResult = z.infer<typeof VoiceMessageResultSchema>;

const audioInputErrors = [
  ErrorCode.PayloadTooLarge,
  ErrorCode.UnsupportedFileType,
  ErrorCode.UnreadableFile,
  ErrorCode.NotFound,
  ErrorCode.ServiceUnavailable,
];
const engineErrors = [
  ErrorCode.ServiceUnavailable,
  ErrorCode.ProviderUnavailable,
  ErrorCode.ProviderRateLimited,
  ErrorCode.ProviderAuthFailed,
  ErrorCode.BudgetExceeded,
];

/** The voice service's subjects: what it answers and publishes on the bus. */
export const VoiceContract = {
  checkHealth: defineRequest({
    subject: 'voice.health.check',
    request: z.object({}).strict(),
    response: z.object({ service: z.literal('voice'), status: z.literal('ok') }),
  }),
  openSession: defineRequest({
    subject: 'voice.session.open',
    request: OpenVoiceSessionRequestSchema,
    response: OpenVoiceSessionResponseSchema,
    errors: [
      ErrorCode.NotFound,
      ErrorCode.UnknownModel,
      ErrorCode.ServiceUnavailable,
      ErrorCode.BudgetExceeded,
    ],
  }),
  transcribe: defineRequest({
    subject: 'voice.transcription.create',
    request: TranscribeRequestSchema,
    response: TranscriptionSchema,
    errors: [...audioInputErrors, ...engineErrors],
  }),
  synthesize: defineRequest({
    subject: 'voice.speech.create',
    request: SynthesizeRequestSchema,
    response: SpeechAudioSchema,
    errors: engineErrors,
  }),
  listVoices: defineRequest({
    subject: 'voice.voice.list',
    request: z.strictObject({}),
    response: VoiceListSchema,
  }),
  sendMessage: defineRequest({
    subject: 'voice.message.send',
    request: VoiceMessageRequestSchema,
    response: VoiceMessageResultSchema,
    errors: [...audioInputErrors, ...engineErrors, ErrorCode.UnknownModel, ErrorCode.ModelUnavailable],
  }),
} as const;
