import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { migrateServiceSchema } from '@conduit/db';
import {
  isolatedNamespace,
  startFakeOpenAI,
  startServiceProcess,
  testEnv,
  type FakeOpenAIServer,
  type ServiceProcess,
} from '@conduit/testing';
import { startVoice } from '../../src/app';
import { loadVoiceConfig } from '../../src/config';
import { SPEECH_TO_TEXT, TEXT_TO_SPEECH } from '../../src/engines/engines.providers';
import { EngineRegistry } from '../../src/engines/engine-registry';
import type { TextToSpeechEngine } from '../../src/tts/text-to-speech.port';
import { ScriptedRecogniser, ToneSynthesiser } from './test-engines';

const FAKE_OPENAI_KEY = 'sk-fake-provider-key';

export interface VoicePlatform {
  readonly bus: Bus;
  readonly openai: FakeOpenAIServer;
  readonly recogniser: ScriptedRecogniser;
  readonly synthesiser: ToneSynthesiser;
  /** Another voice replica on the same bus, with its own settings. */
  startVoiceReplica(env?: Record<string, string>): Promise<NestFastifyApplication>;
  close(): Promise<void>;
}

/**
 * The voice service in-process with test engines (a scripted recogniser, a tone synthesiser) and the
 * real VAD, beside chat and usage as processes (built `dist/`) answering from a fake OpenAI server,
 * all on one isolated namespace; `bus` is a client acting as the gateway would.
 */
export async function startVoicePlatform(
  env: Record<string, string> = {},
  /** Synthesisers offered besides the tone (e.g. espeak-ng, for audio a VAD takes for speech). */
  moreSynthesisers: readonly TextToSpeechEngine[] = [],
): Promise<VoicePlatform> {
  const infra = testEnv();
  const namespace = isolatedNamespace('voice');
  const openai = await startFakeOpenAI({
    apiKey: FAKE_OPENAI_KEY,
    defaultAnswer: 'Sure. It is sunny in Paris.',
  });
  const chatSchema = namespace.schemaFor('chat');
  const usageSchema = namespace.schemaFor('usage');
  const chatMigration = await migrateServiceSchema('chat', infra.databaseUrl, chatSchema);
  const usageMigration = await migrateServiceSchema('usage', infra.databaseUrl, usageSchema);
  const shared = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
  };
  const processes: ServiceProcess[] = [];
  const apps: NestFastifyApplication[] = [];
  const recogniser = new ScriptedRecogniser('what is the weather like in paris today');
  const synthesiser = new ToneSynthesiser();
  const startVoiceReplica = async (extra: Record<string, string> = {}) => {
    const config = loadVoiceConfig({
      ...shared,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
      VOICE_DEFAULT_STT: recogniser.id,
      VOICE_DEFAULT_TTS: synthesiser.id,
      ...env,
      ...extra,
    });
    const app = await startVoice(config, [
      {
        provide: SPEECH_TO_TEXT,
        useValue: new EngineRegistry('speech-to-text', [recogniser], recogniser.id),
      },
      {
        provide: TEXT_TO_SPEECH,
        useValue: new EngineRegistry('text-to-speech', [synthesiser, ...moreSynthesisers], synthesiser.id),
      },
    ]);
    apps.push(app);
    return app;
  };
  const close = async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(processes.map((p) => p.stop(5_000)));
    await openai.close();
    await chatMigration.drop();
    await usageMigration.drop();
  };
  try {
    processes.push(
      await startServiceProcess('usage', {
        ...shared,
        DATABASE_URL: infra.databaseUrl,
        DATABASE_SCHEMA: usageSchema,
      }),
      await startServiceProcess('chat', {
        ...shared,
        DATABASE_URL: infra.databaseUrl,
        DATABASE_SCHEMA: chatSchema,
        OPENAI_API_KEY: FAKE_OPENAI_KEY,
        OPENAI_BASE_URL: openai.url,
        CHAT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
      }),
    );
    await startVoiceReplica();
  } catch (error) {
    await close();
    throw error;
  }
  const bus = await Bus.connect({
    url: infra.natsUrl,
    name: 'voice-test-gateway',
    subjectPrefix: namespace.subjectPrefix,
  });
  return {
    bus,
    openai,
    recogniser,
    synthesiser,
    startVoiceReplica,
    close: async () => {
      await bus.close();
      await close();
    },
  };
}
