import { existsSync } from 'node:fs';
import { connect } from 'node:net';

/** True when a Docker engine answers on its socket (a client alone is not enough). */
export async function dockerEngineAnswers(socketPath = '/var/run/docker.sock'): Promise<boolean> {
  if (process.env.DOCKER_HOST?.startsWith('tcp://')) return true;
  if (!existsSync(socketPath)) return false;
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      socket.write('GET /_ping HTTP/1.0\r\n\r\n');
      socket.once('data', (chunk) => done(chunk.toString().includes('200')));
    });
  });
}
