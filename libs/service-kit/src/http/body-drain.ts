import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** A client still uploading this long after its answer went out is cut off, however little it sent. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Lets an answer sent before the request body was read (413 for a body over the limit, or any early
 * error) reach a client that is still uploading. Fastify marks such answers `Connection: close`, and
 * closing a socket with unread bytes makes the kernel reset it: a client still sending (every HTTP
 * client does until its body is out) then sees a broken pipe instead of the answer. Servers avoid this
 * by reading and discarding the rest first (nginx's lingering close); here up to `drainLimitBytes`,
 * within DRAIN_TIMEOUT_MS, after which the connection is cut. A body declared larger than that is not
 * waited for at all.
 *
 * Call on the Fastify instance before the application registers its routes.
 */
export function drainUnreadBodies(fastify: FastifyInstance, drainLimitBytes: number): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const raw = request.raw;
    if (!raw.complete && !raw.destroyed && declaredLength(raw) <= drainLimitBytes) {
      // Kept alive, Node reads the rest of the body before the next request on this connection.
      reply.removeHeader('connection');
      discardRest(raw, drainLimitBytes);
    }
    done(null, payload);
  });
}

function declaredLength(request: IncomingMessage): number {
  const header = request.headers['content-length'];
  return header === undefined ? 0 : Number(header);
}

function discardRest(request: IncomingMessage, limitBytes: number): void {
  let discarded = 0;
  const cutOff = () => request.socket.destroy();
  const timer = setTimeout(cutOff, DRAIN_TIMEOUT_MS);
  timer.unref();
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limitBytes) {
      clearTimeout(timer);
      cutOff();
    }
  });
  request.once('end', () => clearTimeout(timer));
  request.once('close', () => clearTimeout(timer));
  request.resume();
}
