import { STATUS_CODES } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { rawText, rms, tone } from './fake-audio';
import { hostFakeWebSockets } from './fake-websocket-host';

/**
 * A local Gemini Live API speaking its real WebSocket protocol
 * (`/ws/google.ai.generativelanguage.<version>.GenerativeService.BidiGenerateContent?key=…`): `setup` in,
 * `setupComplete` out; `realtimeInput` audio (pcm16 at 16 kHz, base64) and `clientContent` turns in;
 * `serverContent` out with `inputTranscription`, `modelTurn` parts of `inlineData` audio (pcm16 at
 * 24 kHz), `outputTranscription`, `interrupted`, `generationComplete` and `turnComplete`, and
 * `usageMetadata` by modality. Its activity detection is an energy threshold: louder audio is speech
 * (transcribed as the scripted `transcript` while it lasts), 500 ms of quieter audio ends the turn,
 * which is answered (the scripted `answer` as a tone of `msPerWord` per word); speech over an answer
 * interrupts it.
 *
 * Scripted with `call-tools`, each turn is first answered by a `toolCall` message of `functionCalls`;
 * the client's `toolResponse` (its `functionResponses`) is kept, and once every call has its response
 * (matched by id) the turn is answered. A response for a call never made closes the connection (1007).
 */

export type FakeGeminiLiveBehavior =
  | { kind: 'answer'; transcript?: string; answer?: string }
  /** Refuse the upgrade with this status. */
  | { kind: 'refuse'; status: number }
  /** Close the connection after this many audio chunks of the first answer. */
  | { kind: 'close-mid-answer'; afterChunks: number }
  /** Answer each turn by calling these functions first. */
  | {
      kind: 'call-tools';
      calls: Array<{ name: string; args: Record<string, unknown>; id?: string }>;
      transcript?: string;
      answer?: string;
    };

export interface FakeGeminiLiveConnection {
  readonly path: string;
  readonly key: string | null;
  setup: Record<string, unknown> | null;
  /** Input audio received (ms at 16 kHz). */
  receivedMs: number;
  readonly texts: string[];
  /** The client's `clientContent` messages, as sent, in order. */
  readonly clientContents: FakeGeminiClientContent[];
  /** The client's function responses, in order. */
  readonly toolResponses: Array<{ id?: string; name?: string; response?: Record<string, unknown> }>;
  /** Every server message's first key (`setupComplete`, `serverContent`...), in order. */
  readonly sent: string[];
}

export interface FakeGeminiClientContent {
  readonly turns: ReadonlyArray<{
    readonly role?: string;
    readonly parts?: ReadonlyArray<{ text?: string }>;
  }>;
  readonly turnComplete?: boolean;
}

export interface FakeGeminiLiveServer {
  /** The base URL to hand to the SDK (`httpOptions.baseUrl`). */
  readonly url: string;
  readonly connections: readonly FakeGeminiLiveConnection[];
  enqueue(...behaviors: FakeGeminiLiveBehavior[]): void;
  openSockets(): number;
  close(): Promise<void>;
}

export interface FakeGeminiLiveOptions {
  apiKey: string;
  transcript?: string;
  answer?: string;
  msPerWord?: number;
  chunkMs?: number;
  /** From the end of the user's turn to the first audio. */
  responseDelayMs?: number;
}

const INPUT_RATE = 16_000;
const randomId = () => Math.random().toString(36).slice(2, 10);
const OUTPUT_RATE = 24_000;
const VOICED_RMS = 500;
const SILENCE_MS = 500;
const PATH =
  /^\/ws\/google\.ai\.generativelanguage\.v1(alpha|beta)?\.GenerativeService\.BidiGenerateContent$/;

export async function startFakeGeminiLive(options: FakeGeminiLiveOptions): Promise<FakeGeminiLiveServer> {
  const queue: FakeGeminiLiveBehavior[] = [];
  const connections: FakeGeminiLiveConnection[] = [];
  const host = await hostFakeWebSockets({
    onUpgrade: ({ url, refuse, accept }) => {
      const refuseWith = (status: number) =>
        refuse(
          status,
          JSON.stringify({ error: { code: status, message: STATUS_CODES[status], status: 'ERROR' } }),
        );
      if (!PATH.test(url.pathname)) return refuseWith(404);
      if (url.searchParams.get('key') !== options.apiKey) return refuseWith(403);
      const behavior = queue.shift() ?? { kind: 'answer' };
      if (behavior.kind === 'refuse') return refuseWith(behavior.status);
      accept((ws) => {
        const connection: FakeGeminiLiveConnection = {
          path: url.pathname,
          key: url.searchParams.get('key'),
          setup: null,
          receivedMs: 0,
          texts: [],
          clientContents: [],
          toolResponses: [],
          sent: [],
        };
        connections.push(connection);
        serve(ws, connection, behavior);
      });
    },
  });

  function serve(ws: WebSocket, connection: FakeGeminiLiveConnection, behavior: FakeGeminiLiveBehavior) {
    const transcript =
      (behavior.kind === 'answer' || behavior.kind === 'call-tools' ? behavior.transcript : undefined) ??
      options.transcript ??
      'what is the weather like in paris today';
    const answer =
      (behavior.kind === 'answer' || behavior.kind === 'call-tools' ? behavior.answer : undefined) ??
      options.answer ??
      'It is sunny in Paris today.';
    const msPerWord = options.msPerWord ?? 300;
    const chunkMs = options.chunkMs ?? 100;
    let inSpeech = false;
    let quietMs = 0;
    let heardMs = 0;
    let answered = 0;
    let active: { stop: () => void } | null = null;
    const timers = new Set<NodeJS.Timeout>();
    ws.once('close', () => timers.forEach(clearTimeout));
    // Gemini sends its messages as binary frames of JSON.
    const send = (message: Record<string, unknown>) => {
      connection.sent.push(Object.keys(message)[0] ?? '');
      if (ws.readyState === ws.OPEN) ws.send(Buffer.from(JSON.stringify(message)));
    };
    const words = transcript.split(' ');
    const half = Math.ceil(words.length / 2);

    /** The calls of the last `toolCall` still without a response, and the turn's input to answer after. */
    let unanswered: { ids: Set<string>; inputMs: number } | null = null;

    const respond = (inputMs: number, readsToolResponses = false) => {
      if (behavior.kind === 'call-tools' && !readsToolResponses) {
        const calls = behavior.calls.map((call) => ({
          ...call,
          id: call.id ?? `function-call-${randomId()}`,
        }));
        unanswered = { ids: new Set(calls.map((call) => call.id)), inputMs };
        const timer = setTimeout(() => {
          timers.delete(timer);
          send({ toolCall: { functionCalls: calls } });
        }, options.responseDelayMs ?? 0);
        timers.add(timer);
        return;
      }
      const spoken = answer.split(' ');
      const totalMs = spoken.length * msPerWord;
      const chunks = Math.ceil(totalMs / chunkMs);
      let sent = 0;
      let stopped = false;
      const usage = (outMs: number) => ({
        usageMetadata: {
          promptTokenCount: Math.round(inputMs / 40) + 10,
          responseTokenCount: Math.round(outMs / 40) + spoken.length,
          totalTokenCount: 0,
          promptTokensDetails: [
            { modality: 'TEXT', tokenCount: 10 },
            { modality: 'AUDIO', tokenCount: Math.round(inputMs / 40) },
          ],
          responseTokensDetails: [
            { modality: 'TEXT', tokenCount: spoken.length },
            { modality: 'AUDIO', tokenCount: Math.round(outMs / 40) },
          ],
        },
      });
      active = {
        stop: () => {
          if (stopped) return;
          stopped = true;
          active = null;
          send({ serverContent: { interrupted: true } });
          send(usage(sent * chunkMs));
        },
      };
      const next = () => {
        if (stopped || ws.readyState !== ws.OPEN) return;
        if (behavior.kind === 'close-mid-answer' && answered === 0 && sent >= behavior.afterChunks)
          return ws.terminate();
        if (sent === chunks) {
          stopped = true;
          active = null;
          answered += 1;
          send({ serverContent: { generationComplete: true } });
          send(usage(totalMs));
          send({ serverContent: { turnComplete: true } });
          return;
        }
        const fromWord = Math.ceil((sent * chunkMs) / msPerWord);
        const toWord = Math.min(Math.ceil(((sent + 1) * chunkMs) / msPerWord), spoken.length);
        const ms = Math.min(chunkMs, totalMs - sent * chunkMs);
        send({
          serverContent: {
            modelTurn: {
              role: 'model',
              parts: [
                {
                  inlineData: {
                    mimeType: `audio/pcm;rate=${OUTPUT_RATE}`,
                    data: tone(ms, sent * chunkMs, OUTPUT_RATE).toString('base64'),
                  },
                },
              ],
            },
          },
        });
        const text = spoken
          .slice(fromWord, toWord)
          .map((w, i) => (fromWord + i === 0 ? w : ` ${w}`))
          .join('');
        if (text) send({ serverContent: { outputTranscription: { text } } });
        sent += 1;
        setImmediate(next);
      };
      const timer = setTimeout(() => {
        timers.delete(timer);
        next();
      }, options.responseDelayMs ?? 0);
      timers.add(timer);
    };

    ws.on('message', (data: RawData) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(rawText(data)) as Record<string, unknown>;
      } catch {
        return ws.close(1007, 'Invalid JSON payload');
      }
      if (message.setup) {
        connection.setup = message.setup as Record<string, unknown>;
        return send({ setupComplete: {} });
      }
      if (!connection.setup) return ws.close(1007, 'setup must be the first message');
      const input = message.realtimeInput as { audio?: { data?: string } } | undefined;
      if (input?.audio?.data) {
        const pcm = Buffer.from(input.audio.data, 'base64');
        const ms = (pcm.length / 2 / INPUT_RATE) * 1000;
        connection.receivedMs += ms;
        if (rms(pcm) > VOICED_RMS) {
          quietMs = 0;
          heardMs += ms;
          if (!inSpeech) {
            inSpeech = true;
            heardMs = ms;
            active?.stop();
            send({ serverContent: { inputTranscription: { text: words.slice(0, half).join(' ') } } });
          }
        } else if (inSpeech) {
          quietMs += ms;
          if (quietMs >= SILENCE_MS) {
            inSpeech = false;
            send({ serverContent: { inputTranscription: { text: ` ${words.slice(half).join(' ')}` } } });
            respond(heardMs);
          }
        }
        return;
      }
      const toolResponse = message.toolResponse as
        | { functionResponses?: Array<{ id?: string; name?: string; response?: Record<string, unknown> }> }
        | undefined;
      if (toolResponse) {
        for (const response of toolResponse.functionResponses ?? []) {
          connection.toolResponses.push(response);
          if (!unanswered?.ids.delete(String(response.id)))
            return ws.close(1007, `No function call with id ${response.id}`);
        }
        if (unanswered && unanswered.ids.size === 0) {
          const { inputMs } = unanswered;
          unanswered = null;
          respond(inputMs, true);
        }
        return;
      }
      const content = message.clientContent as FakeGeminiClientContent | undefined;
      if (content?.turns) {
        connection.clientContents.push(content);
        // Turns sent without turnComplete only add to the context: Gemini answers none of them.
        if (!content.turnComplete) return;
        connection.texts.push(
          content.turns
            .flatMap((t) => t.parts ?? [])
            .map((p) => p.text ?? '')
            .join(''),
        );
        respond(0);
      }
    });
  }

  return {
    url: host.url,
    connections,
    enqueue: (...behaviors) => queue.push(...behaviors),
    openSockets: host.openSockets,
    close: host.close,
  };
}
