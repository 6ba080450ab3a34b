import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { hostFakeWebSockets } from './fake-websocket-host';

/**
 * A local Deepgram speaking its real wire protocol: the live socket `GET /v1/listen` (auth by
 * `Authorization: Token <key>` at the upgrade, binary audio in, JSON `Results` / `Metadata` /
 * `UtteranceEnd` out, `Finalize` / `KeepAlive` / `CloseStream` control messages) and prerecorded
 * `POST /v1/listen`. It "recognises" a scripted utterance: one more word per `bytesPerWord` of audio.
 */

/** What the next live stream (or prerecorded request) gets. */
export type FakeDeepgramBehavior =
  /** Reveal `words` as audio arrives: interims, then a `speech_final` result and `UtteranceEnd`. */
  | { kind: 'transcribe'; words?: readonly string[] }
  /** Refuse the upgrade / request with this status and Deepgram's error body. */
  | { kind: 'refuse'; status: number; retryAfterSeconds?: number }
  /** Destroy the TCP connection once `afterWords` interims were sent (0: right after the upgrade). */
  | { kind: 'drop'; afterWords: number }
  /** Never answer anything after the upgrade (a hung provider). */
  | { kind: 'stall' };

export interface FakeDeepgramStream {
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  audioBytes: number;
  readonly controls: string[];
}

export interface FakeDeepgramServer {
  /** The origin to hand to the SDK as `baseUrl`. */
  readonly url: string;
  readonly streams: readonly FakeDeepgramStream[];
  readonly prerecorded: ReadonlyArray<{ query: URLSearchParams; bytes: number; contentType?: string }>;
  enqueue(...behaviors: FakeDeepgramBehavior[]): void;
  /** Live sockets currently open. */
  openSockets(): number;
  close(): Promise<void>;
}

export interface FakeDeepgramOptions {
  apiKey: string;
  /** The utterance recognised when no behavior names one. */
  words?: readonly string[];
  /** Audio per revealed word; 3,200 bytes is 100 ms of 16 kHz 16-bit mono. */
  bytesPerWord?: number;
  /** Delay before `Finalize` and `CloseStream` are answered: the provider's time to its last transcript. */
  finalizeDelayMs?: number;
}

const MODEL_INFO = { name: '2-general-nova', version: '2024-01-18.26916', arch: 'nova-3' };

export async function startFakeDeepgram(options: FakeDeepgramOptions): Promise<FakeDeepgramServer> {
  const defaultWords = options.words ?? ['hello', 'from', 'the', 'fake', 'deepgram'];
  const bytesPerWord = options.bytesPerWord ?? 3_200;
  const finalizeDelayMs = options.finalizeDelayMs ?? 0;
  const queue: FakeDeepgramBehavior[] = [];
  const streams: FakeDeepgramStream[] = [];
  const prerecorded: Array<{ query: URLSearchParams; bytes: number; contentType?: string }> = [];
  const next = (): FakeDeepgramBehavior => queue.shift() ?? { kind: 'transcribe' };

  const authorized = (req: IncomingMessage): boolean =>
    req.headers.authorization === `Token ${options.apiKey}`;

  /** Deepgram's error answer: `{err_code, err_msg, request_id}` with its status (and `retry-after`). */
  function refusal(
    status: number,
    retryAfterSeconds?: number,
  ): { headers: Record<string, string>; body: string } {
    const [code, message] =
      status === 401
        ? ['INVALID_AUTH', 'Invalid credentials.']
        : status === 429
          ? ['TOO_MANY_REQUESTS', 'Too many requests. Please try again later']
          : status === 404
            ? ['NOT_FOUND', 'Not found']
            : ['INTERNAL_SERVER_ERROR', 'Internal server error'];
    const body = JSON.stringify({ err_code: code, err_msg: message, request_id: randomUUID() });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'dg-request-id': randomUUID(),
    };
    if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
    return { headers, body };
  }

  function refuse(res: ServerResponse, status: number, retryAfterSeconds?: number): void {
    const { headers, body } = refusal(status, retryAfterSeconds);
    res.writeHead(status, headers);
    res.end(body);
  }

  const host = await hostFakeWebSockets({
    onRequest: (req, res) => void prerecordedRequest(req, res),
    onUpgrade: ({ req, url, socket, refuse, accept }) => {
      const refuseWith = (status: number, retryAfterSeconds?: number): void => {
        const { headers, body } = refusal(status, retryAfterSeconds);
        refuse(status, body, headers);
      };
      if (url.pathname !== '/v1/listen') return refuseWith(404);
      if (!authorized(req)) return refuseWith(401);
      const behavior = next();
      if (behavior.kind === 'refuse') return refuseWith(behavior.status, behavior.retryAfterSeconds);
      accept((ws) => {
        const stream: FakeDeepgramStream = {
          query: url.searchParams,
          authorization: req.headers.authorization,
          audioBytes: 0,
          controls: [],
        };
        streams.push(stream);
        serveLive(ws, socket, stream, behavior);
      });
    },
  });

  function serveLive(
    ws: WebSocket,
    socket: Socket,
    stream: FakeDeepgramStream,
    behavior: FakeDeepgramBehavior,
  ): void {
    const requestId = randomUUID();
    const words = behavior.kind === 'transcribe' ? (behavior.words ?? defaultWords) : defaultWords;
    const wantsInterims = stream.query.get('interim_results') === 'true';
    let revealed = 0; // words of the utterance heard so far
    let finalized = 0; // words already sent in is_final results
    let sentInterims = 0;
    const secondsPerWord = bytesPerWord / 2 / Number(stream.query.get('sample_rate') ?? 16_000);

    if (behavior.kind === 'drop' && behavior.afterWords === 0) return void socket.destroy();
    const send = (message: unknown): void => ws.send(JSON.stringify(message));
    const results = (
      from: number,
      to: number,
      flags: { final: boolean; speechFinal: boolean; fromFinalize?: boolean },
    ): void => {
      const chosen = words.slice(from, to);
      send({
        type: 'Results',
        channel_index: [0, 1],
        duration: (to - from) * secondsPerWord,
        start: from * secondsPerWord,
        is_final: flags.final,
        speech_final: flags.speechFinal,
        from_finalize: flags.fromFinalize ?? false,
        channel: {
          alternatives: [
            {
              transcript: chosen.join(' '),
              confidence: 0.97,
              words: chosen.map((word, index) => ({
                word,
                start: (from + index) * secondsPerWord,
                end: (from + index + 1) * secondsPerWord,
                confidence: 0.97,
                punctuated_word: word,
              })),
            },
          ],
        },
        metadata: { request_id: requestId, model_info: MODEL_INFO, model_uuid: randomUUID() },
      });
    };
    const finalizePending = (fromFinalize: boolean): void => {
      if (revealed > finalized)
        results(finalized, revealed, { final: true, speechFinal: false, fromFinalize });
      finalized = revealed;
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (behavior.kind === 'stall') return;
      if (!isBinary) {
        const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
        const type = (JSON.parse(text) as { type?: string }).type ?? '';
        stream.controls.push(type);
        if (finalizeDelayMs > 0 && (type === 'Finalize' || type === 'CloseStream')) {
          const timer = setTimeout(() => {
            if (ws.readyState === ws.OPEN) answerControl(type);
          }, finalizeDelayMs);
          ws.once('close', () => clearTimeout(timer));
          return;
        }
        answerControl(type);
        return;
      }
      stream.audioBytes += (data as Buffer).length;
      const heard = Math.min(words.length, Math.floor(stream.audioBytes / bytesPerWord));
      while (revealed < heard) {
        revealed += 1;
        if (behavior.kind === 'drop' && sentInterims >= behavior.afterWords) return void socket.destroy();
        if (wantsInterims) {
          results(finalized, revealed, { final: false, speechFinal: false });
          sentInterims += 1;
        }
        if (revealed === words.length) {
          results(finalized, revealed, { final: true, speechFinal: true });
          finalized = revealed;
          send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: revealed * secondsPerWord });
        }
      }
    });

    function answerControl(type: string): void {
      if (type === 'Finalize') finalizePending(true);
      if (type === 'CloseStream') {
        finalizePending(false);
        send({
          type: 'Metadata',
          transaction_key: 'deprecated',
          request_id: requestId,
          sha256: 'fake',
          created: new Date().toISOString(),
          duration: stream.audioBytes / 2 / 16_000,
          channels: 1,
          models: [randomUUID()],
          model_info: {},
        });
        ws.close(1000);
      }
    }
  }

  async function prerecordedRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method !== 'POST' || url.pathname !== '/v1/listen') return refuse(res, 404);
    if (!authorized(req)) return refuse(res, 401);
    prerecorded.push({
      query: url.searchParams,
      bytes: body.length,
      contentType: req.headers['content-type'],
    });
    const behavior = next();
    if (behavior.kind === 'refuse') return refuse(res, behavior.status, behavior.retryAfterSeconds);
    if (behavior.kind === 'drop') return void req.socket.destroy();
    if (behavior.kind === 'stall') return;
    const words = behavior.words ?? defaultWords;
    const duration = Math.max(0, body.length - 44) / 2 / 16_000;
    const answer = JSON.stringify({
      metadata: {
        transaction_key: 'deprecated',
        request_id: randomUUID(),
        sha256: 'fake',
        created: new Date().toISOString(),
        duration,
        channels: 1,
        models: [randomUUID()],
        model_info: {},
      },
      results: {
        channels: [{ alternatives: [{ transcript: words.join(' '), confidence: 0.97, words: [] }] }],
      },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'dg-request-id': randomUUID() });
    res.end(answer);
  }

  return {
    url: host.url,
    streams,
    prerecorded,
    enqueue: (...behaviors) => queue.push(...behaviors),
    openSockets: host.openSockets,
    close: host.close,
  };
}
