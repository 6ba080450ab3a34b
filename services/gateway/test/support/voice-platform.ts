import { startServiceProcess, type ServiceProcess } from '@conduit/testing';
import type { TestGateway } from './gateway-test-app';

/** The voice service as its own process (built `dist/`, as deployed), on the gateway's namespace. */
export function startVoiceProcess(
  gateway: TestGateway,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  return startServiceProcess('voice', {
    NATS_URL: gateway.config.NATS_URL,
    NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
    REDIS_URL: gateway.config.REDIS_URL,
    REDIS_KEY_PREFIX: gateway.config.REDIS_KEY_PREFIX,
    SHUTDOWN_GRACE_MS: '10000',
    ...env,
  });
}

/** A 16-bit mono PCM WAV file of `pcm`. */
export function wavFile(pcm: Buffer, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
