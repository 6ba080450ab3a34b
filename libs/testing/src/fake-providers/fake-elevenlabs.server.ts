import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveOnLoopback } from './loopback-http-server';

/**
 * A local ElevenLabs speaking the wire protocol of its streaming speech and voice list:
 * `POST /v1/text-to-speech/{voice_id}/stream?output_format=pcm_24000` (JSON in, raw PCM out in chunks)
 * and `GET /v1/voices`, authenticated by `xi-api-key`; errors are `{detail: {status, message}}`.
 */

export type FakeElevenLabsBehavior =
  | { kind: 'answer' }
  | { kind: 'refuse'; status: number; retryAfterSeconds?: number }
  /** Destroys the connection after `afterChunks` audio chunks. */
  | { kind: 'drop'; afterChunks: number };

export interface FakeElevenLabsRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly apiKey: string | undefined;
  readonly json: Record<string, unknown> | undefined;
}

export interface FakeElevenLabsServer {
  readonly url: string;
  readonly requests: readonly FakeElevenLabsRequest[];
  enqueue(...behaviors: FakeElevenLabsBehavior[]): void;
  /** Holds every speech body after its first chunk until the returned function is called. */
  holdSpeech(): () => void;
  close(): Promise<void>;
}

const VOICES = [
  {
    voice_id: 'JBFqnCBsd6RMkjVDRZzb',
    name: 'George',
    category: 'premade',
    labels: { accent: 'british', language: 'en' },
  },
  {
    voice_id: 'EXAVITQu4vr4xnSDxMaL',
    name: 'Sarah',
    category: 'premade',
    labels: { accent: 'american', language: 'en' },
  },
];

const ERRORS: Record<number, [string, string]> = {
  401: ['invalid_api_key', 'Invalid API key'],
  404: ['voice_not_found', 'A voice with the voice_id was not found.'],
  429: ['too_many_concurrent_requests', 'Too many concurrent requests for your subscription.'],
  500: ['internal_error', 'An internal error occurred.'],
};

export interface FakeElevenLabsOptions {
  apiKey: string;
  /** Bytes of PCM per audio chunk, and chunks per answer. */
  chunkBytes?: number;
  chunks?: number;
  /** Delay before the first audio chunk (the provider's time to first byte), and between the next ones. */
  firstChunkDelayMs?: number;
  chunkIntervalMs?: number;
  /**
   * The samples: `chunk-index` (default) fills chunk k with the value k + 1; `counter` numbers every
   * sample of an answer (0, 1, 2... modulo 32,768), so a listener can check nothing was lost or reordered.
   */
  samples?: 'chunk-index' | 'counter';
}

const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startFakeElevenLabs(options: FakeElevenLabsOptions): Promise<FakeElevenLabsServer> {
  const chunkBytes = options.chunkBytes ?? 3_200;
  const chunks = options.chunks ?? 4;
  const firstChunkDelayMs = options.firstChunkDelayMs ?? 0;
  const chunkIntervalMs = options.chunkIntervalMs ?? 0;
  const counter = options.samples === 'counter';
  const queue: FakeElevenLabsBehavior[] = [];
  const requests: FakeElevenLabsRequest[] = [];
  let gate: Promise<void> | undefined;

  function sendError(res: ServerResponse, status: number, retryAfterSeconds?: number): void {
    const [code, message] = ERRORS[status] ?? ERRORS[500]!;
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {}),
    });
    res.end(JSON.stringify({ detail: { status: code, message } }));
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw: Buffer[] = [];
    for await (const chunk of req) raw.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const apiKey = req.headers['xi-api-key'] as string | undefined;
    const json = raw.length
      ? (JSON.parse(Buffer.concat(raw).toString('utf8')) as Record<string, unknown>)
      : undefined;
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, apiKey, json });
    if (apiKey !== options.apiKey) return sendError(res, 401);

    if (req.method === 'GET' && url.pathname === '/v1/voices') {
      const behavior = queue.shift() ?? { kind: 'answer' };
      if (behavior.kind === 'refuse') return sendError(res, behavior.status, behavior.retryAfterSeconds);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ voices: VOICES }));
      return;
    }
    const speech = /^\/v1\/text-to-speech\/([^/]+)\/stream$/.exec(url.pathname);
    if (req.method === 'POST' && speech) {
      if (!VOICES.some((voice) => voice.voice_id === speech[1])) return sendError(res, 404);
      const behavior = queue.shift() ?? { kind: 'answer' };
      if (behavior.kind === 'refuse') return sendError(res, behavior.status, behavior.retryAfterSeconds);
      if (typeof json?.text !== 'string' || json.text.length === 0) {
        res.writeHead(422, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            detail: [{ loc: ['body', 'text'], msg: 'field required', type: 'value_error.missing' }],
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/pcm', 'transfer-encoding': 'chunked' });
      let sample = 0;
      for (let index = 0; index < chunks; index++) {
        const delay = index === 0 ? firstChunkDelayMs : chunkIntervalMs;
        if (delay > 0) await later(delay);
        if (res.destroyed) return;
        if (behavior.kind === 'drop' && index === behavior.afterChunks) {
          const socket = res.socket;
          return void res.write('', () => socket?.destroy());
        }
        const chunk = Buffer.alloc(chunkBytes);
        for (let i = 0; i + 1 < chunkBytes; i += 2)
          chunk.writeInt16LE(counter ? sample++ % 32_768 : index + 1, i);
        res.write(chunk);
        if (index === 0 && gate) await gate;
        if (res.destroyed) return;
      }
      res.end();
      return;
    }
    sendError(res, 404);
  }

  const server = await serveOnLoopback(serve);
  return {
    url: server.url,
    requests,
    enqueue: (...behaviors) => queue.push(...behaviors),
    holdSpeech: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    close: () => server.close(),
  };
}
