import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { listeningPort } from '@conduit/service-kit';
import { isolatedNamespace, testEnv } from '@conduit/testing';
import { startVoice } from '../../src/app';
import { loadVoiceConfig } from '../../src/config';

export interface VoiceAlone {
  readonly app: NestFastifyApplication;
  /** A client on the service's namespace, acting as the gateway would. */
  readonly bus: Bus;
  /** Its HTTP port's origin (health checks). */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** The voice service in-process with its own engines, alone on an isolated namespace; `env` adds settings. */
export async function startVoiceAlone(name: string, env: Record<string, string> = {}): Promise<VoiceAlone> {
  const namespace = isolatedNamespace(name);
  const natsUrl = testEnv().natsUrl;
  const app = await startVoice(
    loadVoiceConfig({
      NATS_URL: natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
      ...env,
    }),
  );
  const bus = await Bus.connect({
    url: natsUrl,
    name: `${name}-test-client`,
    subjectPrefix: namespace.subjectPrefix,
  });
  return {
    app,
    bus,
    baseUrl: `http://127.0.0.1:${listeningPort(app)}`,
    close: async () => {
      await bus.close();
      await app.close();
    },
  };
}
