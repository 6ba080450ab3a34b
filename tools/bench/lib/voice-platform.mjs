// The platform's live voice path as the voice benchmark runs it: the fake providers in their own
// process, usage, chat, the gateway (lib/chat-platform.mjs) and one voice replica (built code) whose
// engines are the cloud adapters (Deepgram live, ElevenLabs streaming) pointed at the fakes.
import { join } from 'node:path';
import { FAKE_API_KEY, startChatPlatform } from './chat-platform.mjs';
import { startLineProcess } from './harness.mjs';
import { HarnessError, REPO_ROOT, startService } from './platform.mjs';

const DEEPGRAM_KEY = 'bench-fake-deepgram-key';
const ELEVENLABS_KEY = 'bench-fake-elevenlabs-key';
/** Four services start one after another; on a busy 2-core machine each can take a minute. */
const READY_TIMEOUT_MS = 120_000;

/** The fake OpenAI chat, Deepgram and ElevenLabs servers (lib/fake-voice-providers-process.mjs). */
export function startFakeVoiceProviders({ llmMs, sttMs, ttsMs, answerTokens, tokenIntervalMs, tts }) {
  return startLineProcess(
    join(REPO_ROOT, 'tools/bench/lib/fake-voice-providers-process.mjs'),
    [
      `--openai-key=${FAKE_API_KEY}`,
      `--deepgram-key=${DEEPGRAM_KEY}`,
      `--elevenlabs-key=${ELEVENLABS_KEY}`,
      `--llm-ms=${llmMs}`,
      `--stt-ms=${sttMs}`,
      `--tts-ms=${ttsMs}`,
      `--token-interval-ms=${tokenIntervalMs}`,
      `--answer-tokens=${JSON.stringify(answerTokens)}`,
      `--tts-chunk-interval-ms=${tts.chunkIntervalMs}`,
      `--tts-chunk-bytes=${tts.chunkBytes}`,
      `--tts-chunks=${tts.chunks}`,
    ],
    'the fake voice providers',
  );
}

/**
 * Starts usage, chat and the gateway, then the voice service on the same namespace with Deepgram and
 * ElevenLabs (at `sampleRate`) as its default engines. Resolves with the gateway, voice and
 * `assertAlive()`.
 */
export async function startVoicePlatform({
  infra,
  ns,
  cleanup,
  log,
  fakes,
  sampleRate,
  diagnostics,
  voiceEnv = {},
}) {
  const { gateway, assertAlive: chatAlive } = await startChatPlatform({
    infra,
    ns,
    cleanup,
    log,
    fake: { url: fakes.openaiUrl, alive: fakes.alive },
    diagnostics,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  log('starting voice');
  const voice = await startService(
    'voice',
    {
      NATS_URL: infra.natsUrl,
      NATS_SUBJECT_PREFIX: ns.subjectPrefix,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: ns.redisKeyPrefix,
      LOG_LEVEL: 'warn',
      VOICE_DEFAULT_STT: 'deepgram',
      VOICE_DEFAULT_TTS: 'elevenlabs',
      DEEPGRAM_API_KEY: DEEPGRAM_KEY,
      DEEPGRAM_BASE_URL: fakes.deepgramUrl,
      ELEVENLABS_API_KEY: ELEVENLABS_KEY,
      ELEVENLABS_BASE_URL: fakes.elevenLabsUrl,
      VOICE_ELEVENLABS_SAMPLE_RATE: String(sampleRate),
      BENCH_PROBE_NAME: 'voice',
      ...diagnostics.env,
      ...voiceEnv,
    },
    { nodeArgs: diagnostics.nodeArgs, readyTimeoutMs: READY_TIMEOUT_MS },
  );
  cleanup.add('voice', () => voice.stop());
  const assertAlive = () => {
    chatAlive();
    if (!voice.alive())
      throw new HarnessError(`voice died during the benchmark (${voice.exitStatus()}):\n${voice.output()}`);
  };
  return { gateway, voice, assertAlive };
}
