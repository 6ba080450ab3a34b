import { z } from 'zod';
import { MeteringConfigSchema } from '@conduit/metering';
import { configFields, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';
import { PhoneCallsConfigSchema } from './phone/phone-calls.config';
import { DEFAULT_MIN_SPEECH_LEVEL_DBFS } from './vad/voice-activity-detector';

const engineName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/);
const optionalSecret = z.string().min(1).optional();
const optionalUrl = z.url().optional();
const modelName = z.string().min(1);

export const VoiceConfigSchema = ServiceConfigSchema.extend(MeteringConfigSchema.shape)
  .extend(PhoneCallsConfigSchema.shape)
  .extend({
    PORT: configFields.port(3104),
    /** `/metrics` (Prometheus) is served here only, never on PORT. */
    METRICS_PORT: configFields.port(9468),
    /** The recogniser sessions use when `start` names none (offline: PocketSphinx). */
    VOICE_DEFAULT_STT: engineName.default('pocketsphinx'),
    /** The synthesiser sessions use when `start` names none (offline: espeak-ng). */
    VOICE_DEFAULT_TTS: engineName.default('espeak-ng'),
    /** PocketSphinx's decoder (Debian `pocketsphinx`), on the PATH or as a path. */
    VOICE_POCKETSPHINX_BINARY: z.string().min(1).default('pocketsphinx_continuous'),
    /** The US English model (Debian `pocketsphinx-en-us`). */
    VOICE_POCKETSPHINX_MODEL_DIR: z.string().min(1).default('/usr/share/pocketsphinx/model/en-us'),
    /** How often a live recognition re-decodes the utterance so far for a partial transcript; 0 = no partials. */
    VOICE_POCKETSPHINX_PARTIAL_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
    /** espeak-ng (Debian `espeak-ng`), on the PATH or as a path. */
    VOICE_ESPEAK_BINARY: z.string().min(1).default('espeak-ng'),
    /** ffmpeg (Debian `ffmpeg`): decodes uploads, encodes mp3 and ogg/opus speech. */
    VOICE_FFMPEG_BINARY: z.string().min(1).default('ffmpeg'),
    /** Largest uploaded recording read (OpenAI's limit: 25 MB). */
    VOICE_UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(25 * 1024 * 1024),
    /** Longest uploaded recording transcribed, in seconds. */
    VOICE_UPLOAD_MAX_SECONDS: z.coerce.number().positive().max(7_200).default(600),
    /** Longest one ffmpeg decode or encode may take. */
    VOICE_CODEC_TIMEOUT_MS: configFields.milliseconds(60_000),
    /** Longest a whole transcription, synthesis or voice message may take before it is given up. */
    VOICE_REQUEST_TIMEOUT_MS: configFields.milliseconds(120_000),
    /** espeak-ng's voice when a request names none (see GET /api/v1/audio/voices). */
    VOICE_ESPEAK_DEFAULT_VOICE: z.string().min(1).max(100).default('en-us'),
    /** Longest a live session may last; it then ends with a TIMEOUT error. */
    VOICE_MAX_SESSION_MS: configFields.milliseconds(30 * 60_000),
    /** A live session in which nobody speaks (nor is answered) this long ends with a TIMEOUT error. */
    VOICE_NO_SPEECH_TIMEOUT_MS: configFields.milliseconds(60_000),
    /** Largest binary audio frame a session takes (48 kHz pcm16: 1,920 bytes per 20 ms). */
    VOICE_MAX_FRAME_BYTES: z.coerce.number().int().min(320).max(1_048_576).default(32_768),
    /** Voiced audio needed without a break before it counts as the user speaking (clicks and noises do not). */
    VOICE_MIN_SPEECH_MS: z.coerce.number().int().min(20).max(2_000).default(200),
    /** WebRTC VAD aggressiveness, 0 (most sound is speech) to 3 (strictest). */
    VOICE_VAD_MODE: z.coerce.number().int().min(0).max(3).default(3),
    /** Frames quieter than this (RMS in dBFS) are never speech: ends turns without the VAD's hangover. */
    VOICE_VAD_MIN_LEVEL_DBFS: z.coerce.number().min(-120).max(0).default(DEFAULT_MIN_SPEECH_LEVEL_DBFS),
    /** How far ahead of real time reply audio is sent: the most a barge-in leaves playing on the client. */
    VOICE_OUTPUT_LEAD_MS: z.coerce.number().int().min(0).max(5_000).default(200),
    /**
     * `on`: the reply's own audio coming back from the client's speaker (found by correlation with the
     * audio just sent) neither barges in nor starts a turn, and transcripts reading the reply back are
     * dropped. `off` for clients that cancel echo themselves (headsets, the browser's echoCancellation).
     */
    VOICE_ECHO_SUPPRESSION: z.enum(['on', 'off']).default('on'),
    /** The longest speaker-to-microphone delay searched for the reply's echo (client buffers and the room). */
    VOICE_ECHO_MAX_DELAY_MS: z.coerce.number().int().min(20).max(1_000).default(400),
    /** How long after the reply's last audio plays input is still checked for its echo. */
    VOICE_ECHO_TAIL_MS: z.coerce.number().int().min(0).max(5_000).default(500),
    /** Normalised correlation with the reply audio at or above which input is echo (0.7: it carries half the energy). */
    VOICE_ECHO_MIN_CORRELATION: z.coerce.number().min(0.1).max(1).default(0.7),
    /**
     * Longest a realtime session waits for the agents service to run one tool call (the tool's own limit
     * is the agents service's AGENTS_TOOL_TIMEOUT_MS); then the model is answered TIMEOUT.
     */
    VOICE_TOOL_TIMEOUT_MS: configFields.milliseconds(20_000),
    /** Longest wait for a cloud speech provider to answer (connect, headers, next audio chunk). */
    VOICE_PROVIDER_TIMEOUT_MS: configFields.milliseconds(15_000),

    /** Deepgram live and prerecorded recognition (`deepgram`); unset leaves the engine unavailable. */
    DEEPGRAM_API_KEY: optionalSecret,
    /** Deepgram's API origin (`https://api.deepgram.com`); the live socket uses the same host over ws(s). */
    DEEPGRAM_BASE_URL: optionalUrl,
    VOICE_DEEPGRAM_MODEL: modelName.default('nova-3'),
    /** Silence (ms) after which Deepgram marks a result `speech_final`; 0 turns endpointing off. */
    VOICE_DEEPGRAM_ENDPOINTING_MS: z.coerce.number().int().min(0).default(300),
    /** Gap (ms) between words after which Deepgram sends `UtteranceEnd` (needs interim results; min 1000). */
    VOICE_DEEPGRAM_UTTERANCE_END_MS: z.coerce.number().int().min(1000).default(1000),

    /** OpenAI transcription (`openai` STT) and speech (`openai` TTS); shared with chat and search. */
    OPENAI_API_KEY: optionalSecret,
    OPENAI_BASE_URL: optionalUrl,
    /** `gpt-4o-mini-transcribe` and `gpt-4o-transcribe` stream partial text; `whisper-1` does not. */
    VOICE_OPENAI_STT_MODEL: modelName.default('gpt-4o-mini-transcribe'),
    VOICE_OPENAI_TTS_MODEL: modelName.default('gpt-4o-mini-tts'),
    VOICE_OPENAI_TTS_VOICE: modelName.default('alloy'),

    /** The realtime model a `mode: "realtime"` session talks to when `start` names none (`<provider>/<model>`). */
    VOICE_REALTIME_DEFAULT_MODEL: z.string().min(3).default('openai/gpt-realtime'),
    /** OpenAI Realtime's API base (its WebSocket is `<base>/realtime`); unset: OPENAI_BASE_URL, else OpenAI's. */
    OPENAI_REALTIME_BASE_URL: optionalUrl,
    /** The voice OpenAI Realtime answers in when `start` names none. */
    VOICE_OPENAI_REALTIME_VOICE: modelName.default('alloy'),

    /** Gemini Live (`google/<model>` realtime models); unset leaves the engine unavailable. */
    GEMINI_API_KEY: optionalSecret,
    /** Gemini API's base (`https://generativelanguage.googleapis.com`); the live socket uses it over ws(s). */
    GEMINI_BASE_URL: optionalUrl,
    /** The voice Gemini Live answers in when `start` names none (one of Gemini's prebuilt voices). */
    VOICE_GEMINI_LIVE_VOICE: modelName.default('Puck'),

    /** ElevenLabs streaming speech (`elevenlabs`); unset leaves the engine unavailable. */
    ELEVENLABS_API_KEY: optionalSecret,
    ELEVENLABS_BASE_URL: optionalUrl,
    VOICE_ELEVENLABS_MODEL: modelName.default('eleven_flash_v2_5'),
    /** A voice id of the account (`GET /v1/voices`); the default is one of ElevenLabs' premade voices. */
    VOICE_ELEVENLABS_VOICE: modelName.default('JBFqnCBsd6RMkjVDRZzb'),
    /** 16000 or 24000: the PCM rate asked of ElevenLabs (`pcm_16000` / `pcm_24000`). */
    VOICE_ELEVENLABS_SAMPLE_RATE: z.coerce
      .number()
      .int()
      .refine((rate) => rate === 16_000 || rate === 24_000, 'must be 16000 or 24000')
      .default(24_000),
  });
export type VoiceConfig = z.infer<typeof VoiceConfigSchema>;

export const loadVoiceConfig = (env: NodeJS.ProcessEnv = process.env): VoiceConfig =>
  loadConfig(VoiceConfigSchema, env);
