import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveOnLoopback } from './loopback-http-server';

/**
 * A local OpenAI speaking the wire protocol of its audio endpoints: `POST /v1/audio/transcriptions`
 * (multipart upload; a JSON answer, or with `stream=true` the SSE events `transcript.text.delta` and
 * `transcript.text.done`) and `POST /v1/audio/speech` (JSON in, the audio body out in chunks).
 * Errors are OpenAI's `{error: {message, type, param, code}}` bodies.
 */

export type FakeOpenAIAudioBehavior =
  | { kind: 'answer' }
  | { kind: 'refuse'; status: number; retryAfterSeconds?: number }
  /** Destroys the connection after `afterChunks` deltas / audio chunks were sent. */
  | { kind: 'drop'; afterChunks: number };

export interface FakeOpenAIAudioRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly fields: Record<string, string>;
  readonly fileBytes: number;
  readonly json: Record<string, unknown> | undefined;
}

export interface FakeOpenAIAudioServer {
  /** The base URL to hand to the SDK (`baseURL`), ending in `/v1`. */
  readonly url: string;
  readonly requests: readonly FakeOpenAIAudioRequest[];
  enqueue(...behaviors: FakeOpenAIAudioBehavior[]): void;
  /** Holds every speech body after its first chunk until the returned function is called. */
  holdSpeech(): () => void;
  close(): Promise<void>;
}

export interface FakeOpenAIAudioOptions {
  apiKey: string;
  transcript?: string;
  /** Bytes of PCM per speech chunk, and chunks per answer. */
  speechChunkBytes?: number;
  speechChunks?: number;
}

const ERROR_TYPES: Record<number, [string, string | null, string]> = {
  400: ['invalid_request_error', null, 'Invalid file format.'],
  401: [
    'invalid_request_error',
    'invalid_api_key',
    'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
  ],
  429: ['requests', 'rate_limit_exceeded', 'Rate limit reached for requests. Please try again later.'],
  500: ['server_error', null, 'The server had an error while processing your request.'],
};

export async function startFakeOpenAIAudio(options: FakeOpenAIAudioOptions): Promise<FakeOpenAIAudioServer> {
  const transcript = options.transcript ?? 'hello from the fake openai';
  const chunkBytes = options.speechChunkBytes ?? 4_800;
  const chunks = options.speechChunks ?? 4;
  const queue: FakeOpenAIAudioBehavior[] = [];
  const requests: FakeOpenAIAudioRequest[] = [];
  let gate: Promise<void> | undefined;

  function sendError(res: ServerResponse, status: number, retryAfterSeconds?: number): void {
    const [type, code, message] = ERROR_TYPES[status] ?? ERROR_TYPES[500]!;
    const body = JSON.stringify({ error: { message, type, param: null, code } });
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-request-id': `req_${randomUUID().replace(/-/g, '')}`,
      ...(retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {}),
    });
    res.end(body);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw: Buffer[] = [];
    for await (const chunk of req) raw.push(chunk as Buffer);
    const body = Buffer.concat(raw);
    const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return sendError(res, 401);

    if (req.method === 'POST' && path === '/v1/audio/transcriptions') {
      // The platform's own multipart parser: a Request built from the raw body.
      const form = await new Request('http://fake.invalid', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body,
      }).formData();
      const fields: Record<string, string> = {};
      let fileBytes = 0;
      for (const [name, value] of form.entries()) {
        if (typeof value === 'string') fields[name] = value;
        else fileBytes = value.size;
      }
      requests.push({ path, authorization: req.headers.authorization, fields, fileBytes, json: undefined });
      if (!fields.model || fileBytes === 0) return sendError(res, 400);
      return transcription(res, fields, queue.shift() ?? { kind: 'answer' });
    }
    if (req.method === 'POST' && path === '/v1/audio/speech') {
      const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      requests.push({ path, authorization: req.headers.authorization, fields: {}, fileBytes: 0, json });
      if (typeof json.input !== 'string' || typeof json.voice !== 'string') return sendError(res, 400);
      return speech(res, queue.shift() ?? { kind: 'answer' });
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          message: `Invalid URL (${req.method} ${path})`,
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      }),
    );
  }

  function transcription(
    res: ServerResponse,
    fields: Record<string, string>,
    behavior: FakeOpenAIAudioBehavior,
  ): void {
    if (behavior.kind === 'refuse') return sendError(res, behavior.status, behavior.retryAfterSeconds);
    if (fields.stream !== 'true') {
      if (behavior.kind === 'drop') return void res.socket?.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: transcript, usage: { type: 'duration', seconds: 1 } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const words = transcript.split(' ');
    const sent = behavior.kind === 'drop' ? words.slice(0, behavior.afterChunks) : words;
    sent.forEach((word, index) => {
      const delta = index === 0 ? word : ` ${word}`;
      res.write(`data: ${JSON.stringify({ type: 'transcript.text.delta', delta })}\n\n`);
    });
    if (behavior.kind === 'drop') {
      const socket = res.socket;
      res.write('', () => socket?.destroy());
      return;
    }
    res.end(
      `data: ${JSON.stringify({ type: 'transcript.text.done', text: transcript, usage: { type: 'tokens', input_tokens: 10, output_tokens: words.length, total_tokens: 10 + words.length } })}\n\n`,
    );
  }

  async function speech(res: ServerResponse, behavior: FakeOpenAIAudioBehavior): Promise<void> {
    if (behavior.kind === 'refuse') return sendError(res, behavior.status, behavior.retryAfterSeconds);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' });
    for (let index = 0; index < chunks; index++) {
      if (behavior.kind === 'drop' && index === behavior.afterChunks) {
        const socket = res.socket;
        return void res.write('', () => socket?.destroy());
      }
      const chunk = Buffer.alloc(chunkBytes);
      for (let i = 0; i < chunkBytes; i += 2) chunk.writeInt16LE(index + 1, i);
      res.write(chunk);
      if (index === 0 && gate) await gate;
      if (res.destroyed) return;
    }
    res.end();
  }

  const server = await serveOnLoopback(serve);
  return {
    url: `${server.url}/v1`,
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
