import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateServiceSchema } from '@conduit/db';
import {
  startFakeGeminiImages,
  startFakeOpenAI,
  startFakeOpenAIVideos,
  startFakeStability,
  startServiceProcess,
  testEnv,
  type FakeGeminiImagesServer,
  type FakeOpenAIServer,
  type FakeStabilityServer,
  type FakeOpenAIVideosServer,
  type ServiceProcess,
} from '@conduit/testing';
import type { GatewayConfig } from '../../src/config';
import { registerUser, startTestGateway, type RegisteredUser, type TestGateway } from './gateway-test-app';

export const MEDIA_OPENAI_KEY = 'sk-fake-images-key';
const MEDIA_STABILITY_KEY = 'sk-fake-stability-key';
const MEDIA_GEMINI_KEY = 'fake-gemini-key';
/** The key result URLs are signed with, so tests can make URLs that differ in one respect only. */
export const MEDIA_URL_SECRET = 'media-url-secret-0123456789abcdefghijklmnopqrstuvwxyz';

export interface MediaPlatform {
  gateway: TestGateway;
  openai: FakeOpenAIServer;
  /** OpenAI's videos API (Sora), faked apart from the rest of OpenAI's. */
  videos: FakeOpenAIVideosServer;
  /** Stability's Stable Image API and Gemini's image generation, as their own servers. */
  stability: FakeStabilityServer;
  gemini: FakeGeminiImagesServer;
  usage: ServiceProcess;
  /** The media-gen process now running (after `restartMediaGen`, the new one). */
  mediaGen(): ServiceProcess;
  /**
   * SIGKILL (a crash) when asked, SIGTERM otherwise, then a fresh process on the same data; `whileDown`
   * runs in between, once the old process has exited.
   */
  restartMediaGen(options?: { kill?: boolean; whileDown?: () => void }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The gateway in-process, and the media-gen and usage services as their own processes (built `dist/`,
 * as deployed), on one isolated namespace; OpenAI images through the real SDK against a fake server.
 */
export async function startMediaPlatform(
  env: Record<string, string> = {},
  gatewayOverrides: Partial<GatewayConfig> = {},
): Promise<MediaPlatform> {
  const infra = testEnv();
  const gateway = await startTestGateway(gatewayOverrides);
  const openai = await startFakeOpenAI({ apiKey: MEDIA_OPENAI_KEY });
  const videos = await startFakeOpenAIVideos({ apiKey: MEDIA_OPENAI_KEY });
  const stability = await startFakeStability({ apiKey: MEDIA_STABILITY_KEY });
  const gemini = await startFakeGeminiImages({ apiKey: MEDIA_GEMINI_KEY });
  const mediaSchema = gateway.namespace.schemaFor('media-gen');
  const usageSchema = gateway.namespace.schemaFor('usage');
  const drops = [
    (await migrateServiceSchema('media-gen', infra.databaseUrl, mediaSchema)).drop,
    (await migrateServiceSchema('usage', infra.databaseUrl, usageSchema)).drop,
  ];
  const storageDir = await mkdtemp(join(tmpdir(), 'conduit-media-'));
  const bus = {
    NATS_URL: gateway.config.NATS_URL,
    NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: gateway.config.REDIS_URL,
    REDIS_KEY_PREFIX: gateway.config.REDIS_KEY_PREFIX,
    SHUTDOWN_GRACE_MS: '5000',
  };
  const mediaEnv = {
    ...bus,
    DATABASE_SCHEMA: mediaSchema,
    OPENAI_API_KEY: MEDIA_OPENAI_KEY,
    OPENAI_BASE_URL: openai.url,
    OPENAI_VIDEOS_BASE_URL: videos.url,
    STABILITY_API_KEY: MEDIA_STABILITY_KEY,
    STABILITY_BASE_URL: stability.url,
    GEMINI_API_KEY: MEDIA_GEMINI_KEY,
    GEMINI_BASE_URL: gemini.url,
    MEDIA_VIDEO_POLL_MS: '50',
    MEDIA_VIDEO_TIMEOUT_MS: '3000',
    MEDIA_STORAGE_DIR: storageDir,
    MEDIA_URL_SECRET,
    MEDIA_JOB_MAX_ATTEMPTS: '4',
    MEDIA_JOB_RETRY_BASE_MS: '100',
    MEDIA_JOB_ACK_WAIT_MS: '2000',
    MEDIA_WATCH_POLL_MS: '1000',
    STREAM_HEARTBEAT_MS: '500',
    ...env,
  };
  const cleanUp = async () => {
    await gateway.close();
    await openai.close();
    await videos.close();
    await stability.close();
    await gemini.close();
    for (const drop of drops) await drop();
    await rm(storageDir, { recursive: true, force: true });
  };
  let usage: ServiceProcess;
  let mediaGen: ServiceProcess;
  try {
    usage = await startServiceProcess('usage', {
      ...bus,
      DATABASE_SCHEMA: usageSchema,
      USAGE_LEDGER_CATCH_UP_MS: '15000',
    });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  try {
    mediaGen = await startServiceProcess('media-gen', mediaEnv);
  } catch (error) {
    await usage.kill();
    await cleanUp();
    throw error;
  }
  return {
    gateway,
    openai,
    videos,
    stability,
    gemini,
    usage,
    mediaGen: () => mediaGen,
    restartMediaGen: async (options = {}) => {
      await (options.kill ? mediaGen.kill() : mediaGen.stop());
      options.whileDown?.();
      mediaGen = await startServiceProcess('media-gen', mediaEnv);
    },
    close: async () => {
      await mediaGen.stop(5_000);
      await usage.stop(5_000);
      await cleanUp();
    },
  };
}

/** The media platform with two registered users, Alice and Bob (for user-isolation checks). */
export async function startMediaPlatformWithUsers(
  env: Record<string, string> = {},
): Promise<{ platform: MediaPlatform; alice: RegisteredUser; bob: RegisteredUser }> {
  const platform = await startMediaPlatform(env);
  const [alice, bob] = await Promise.all([
    registerUser(platform.gateway.baseUrl),
    registerUser(platform.gateway.baseUrl),
  ]);
  return { platform, alice, bob };
}
