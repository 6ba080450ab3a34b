import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { rawText, rms, tone } from './fake-audio';
import { hostFakeWebSockets } from './fake-websocket-host';

/**
 * A local OpenAI Realtime API speaking its real WebSocket protocol (`GET /v1/realtime?model=…`,
 * `Authorization: Bearer <key>` at the upgrade, JSON events both ways, audio as base64 pcm16 at 24 kHz):
 * `session.update`, `input_audio_buffer.append` / `commit`, `conversation.item.create`,
 * `response.create` / `cancel`, `conversation.item.truncate` in; `session.created` / `updated`,
 * `input_audio_buffer.speech_started` / `speech_stopped` / `committed`, `conversation.item.created`,
 * input transcription deltas and `completed`, `response.created`, `response.output_audio.delta`,
 * `response.output_audio_transcript.delta`, `response.done` with usage, and `error` events out.
 *
 * Its server VAD is an energy threshold: appended audio louder than it starts speech, and
 * `silence_duration_ms` (from `session.update`, 500 by default) of quieter audio ends the turn, which is
 * then transcribed (as the scripted `transcript`) and answered (the scripted `answer`, spoken as a tone
 * of `msPerWord` per word, in deltas of `chunkMs`). Speech during an answer cancels it
 * (`interrupt_response`), as OpenAI's does.
 *
 * Scripted with `call-tools`, each turn is first answered by a response that calls functions
 * (`response.output_item.added`, `response.function_call_arguments.delta` / `done`,
 * `response.output_item.done`, `response.done` with the `function_call` items); the client's
 * `function_call_output` items are kept, and the `response.create` after them gets the spoken answer.
 * A `response.create` before every call has its output, or an output for a call never made, gets an
 * `error` event, as a protocol mistake.
 */

export type FakeOpenAIRealtimeBehavior =
  /** Transcribe and answer each turn (the default). */
  | { kind: 'answer'; transcript?: string; answer?: string }
  /** Refuse the upgrade with this status and OpenAI's error body. */
  | { kind: 'refuse'; status: number }
  /** Answer each turn with an `error` event instead of a response (the connection stays). */
  | { kind: 'fail-turn'; code: string; message: string }
  /** Close the connection after sending this many audio deltas of the first answer. */
  | { kind: 'close-mid-answer'; afterDeltas: number }
  /** Answer each turn by calling these functions first (`arguments`: the JSON text, sent as given). */
  | { kind: 'call-tools'; calls: FakeRealtimeFunctionCall[]; transcript?: string; answer?: string };

export interface FakeRealtimeFunctionCall {
  name: string;
  arguments: string;
  /** `call_<uuid>` when left out. */
  callId?: string;
}

export interface FakeRealtimeConnection {
  readonly model: string | null;
  readonly authorization: string | undefined;
  readonly sessionUpdates: unknown[];
  /** Every client event's type, in order. */
  readonly received: string[];
  /** Every server event's type, in order. */
  readonly sent: string[];
  /** Input audio appended so far (ms at 24 kHz). */
  appendedMs: number;
  /** When each append arrived (wall clock) and the input audio time it ended at. */
  readonly appends: Array<{ at: number; endMs: number }>;
  /** When each turn was committed (wall clock) and the input audio time its speech ended at. */
  readonly commits: Array<{ at: number; audioEndMs: number }>;
  /** When each answer's first audio delta was sent (wall clock). */
  readonly firstAudioDeltaAt: number[];
  readonly truncations: Array<{ itemId: string; audioEndMs: number }>;
  readonly cancels: number;
  /** The text of each user message item the client created. */
  readonly texts: string[];
  /** The client's message items (`conversation.item.create`), as sent, in order. */
  readonly messageItems: FakeRealtimeMessageItem[];
  /** The client's `function_call_output` items, in order. */
  readonly toolOutputs: Array<{ callId: string; output: string }>;
}

export interface FakeRealtimeMessageItem {
  readonly role: string;
  readonly content: ReadonlyArray<{ readonly type: string; readonly text?: string }>;
}

/** The content types OpenAI takes in a message item of each role; others get an `error` event. */
const CONTENT_TYPES: Readonly<Record<string, readonly string[]>> = {
  user: ['input_text', 'input_audio', 'input_image'],
  assistant: ['output_text', 'output_audio'],
  system: ['input_text'],
};

export interface FakeOpenAIRealtimeServer {
  /** The API base to hand to the SDK as `baseURL` (`http://127.0.0.1:<port>/v1`). */
  readonly url: string;
  readonly connections: readonly FakeRealtimeConnection[];
  enqueue(...behaviors: FakeOpenAIRealtimeBehavior[]): void;
  openSockets(): number;
  close(): Promise<void>;
}

export interface FakeOpenAIRealtimeOptions {
  apiKey: string;
  transcript?: string;
  answer?: string;
  msPerWord?: number;
  /** Audio per `response.output_audio.delta`. */
  chunkMs?: number;
  /** From the commit to `response.created` and the first delta: the model's thinking time. */
  responseDelayMs?: number;
  /** Between audio deltas (0: all at once, as OpenAI sends faster than real time). */
  deltaIntervalMs?: number;
  /** From the commit to the input transcription. */
  transcriptionDelayMs?: number;
}

const RATE = 24_000;
const VOICED_RMS = 500;

export async function startFakeOpenAIRealtime(
  options: FakeOpenAIRealtimeOptions,
): Promise<FakeOpenAIRealtimeServer> {
  const queue: FakeOpenAIRealtimeBehavior[] = [];
  const connections: FakeRealtimeConnection[] = [];
  const host = await hostFakeWebSockets({
    onRequest: (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }));
    },
    onUpgrade: ({ req, url, refuse, accept }) => {
      const refuseWith = (status: number): void =>
        refuse(
          status,
          JSON.stringify({
            error: {
              message: status === 401 ? 'Incorrect API key provided.' : (STATUS_CODES[status] ?? 'error'),
              type: status === 401 ? 'invalid_request_error' : 'server_error',
              code: status === 401 ? 'invalid_api_key' : null,
            },
          }),
        );
      if (url.pathname !== '/v1/realtime') return refuseWith(404);
      if (req.headers.authorization !== `Bearer ${options.apiKey}`) return refuseWith(401);
      const behavior = queue.shift() ?? { kind: 'answer' };
      if (behavior.kind === 'refuse') return refuseWith(behavior.status);
      accept((ws) => {
        const connection: FakeRealtimeConnection = {
          model: url.searchParams.get('model'),
          authorization: req.headers.authorization,
          sessionUpdates: [],
          received: [],
          sent: [],
          appendedMs: 0,
          appends: [],
          commits: [],
          firstAudioDeltaAt: [],
          truncations: [],
          cancels: 0,
          texts: [],
          messageItems: [],
          toolOutputs: [],
        };
        connections.push(connection);
        serve(ws, connection, behavior);
      });
    },
  });

  function serve(ws: WebSocket, connection: FakeRealtimeConnection, behavior: FakeOpenAIRealtimeBehavior) {
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
    let silenceMs = 500;
    let inSpeech = false;
    let speechStartMs = 0;
    let quietMs = 0;
    let turnItem = randomUUID();
    let lastItem: string | null = null;
    let active: { id: string; stop: () => void } | null = null;
    let answered = 0;
    /** The calls of the last function-calling response still without their output; null when none was made. */
    let unanswered: Set<string> | null = null;
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, run: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (ws.readyState === ws.OPEN) run();
      }, ms);
      timers.add(timer);
    };
    ws.once('close', () => timers.forEach(clearTimeout));
    const send = (event: Record<string, unknown>) => {
      connection.sent.push(String(event.type));
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event_id: `event_${randomUUID()}`, ...event }));
    };
    const sessionObject = () => ({
      type: 'realtime',
      object: 'realtime.session',
      id: 'sess_fake',
      model: connection.model,
      output_modalities: ['audio'],
    });
    send({ type: 'session.created', session: sessionObject() });

    const item = (id: string, role: 'user' | 'assistant', status: string) => ({
      id,
      object: 'realtime.item',
      type: 'message',
      role,
      status,
      content: [],
    });

    const commit = (audioEndMs: number) => {
      const itemId = turnItem;
      turnItem = randomUUID();
      connection.commits.push({ at: Date.now(), audioEndMs });
      send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: lastItem });
      send({
        type: 'conversation.item.created',
        previous_item_id: lastItem,
        item: item(itemId, 'user', 'completed'),
      });
      lastItem = itemId;
      later(options.transcriptionDelayMs ?? 0, () => {
        send({
          type: 'conversation.item.input_audio_transcription.delta',
          item_id: itemId,
          content_index: 0,
          delta: transcript,
        });
        send({
          type: 'conversation.item.input_audio_transcription.completed',
          item_id: itemId,
          content_index: 0,
          transcript,
          usage: { type: 'duration', seconds: audioEndMs / 1000 },
        });
      });
      respond(audioEndMs - speechStartMs);
    };

    const callTools = (calls: FakeRealtimeFunctionCall[]) => {
      const responseId = `resp_${randomUUID()}`;
      const items = calls.map((call) => ({
        id: `item_${randomUUID()}`,
        object: 'realtime.item',
        type: 'function_call',
        name: call.name,
        call_id: call.callId ?? `call_${randomUUID()}`,
        arguments: call.arguments,
      }));
      unanswered = new Set(items.map((item) => item.call_id));
      later(options.responseDelayMs ?? 0, () => {
        send({
          type: 'response.created',
          response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [] },
        });
        items.forEach((item, index) => {
          const ids = {
            response_id: responseId,
            item_id: item.id,
            output_index: index,
            call_id: item.call_id,
          };
          send({
            type: 'response.output_item.added',
            response_id: responseId,
            output_index: index,
            item: { ...item, status: 'in_progress', arguments: '' },
          });
          send({
            type: 'conversation.item.created',
            previous_item_id: lastItem,
            item: { ...item, status: 'in_progress', arguments: '' },
          });
          lastItem = item.id;
          send({ type: 'response.function_call_arguments.delta', ...ids, delta: item.arguments });
          send({
            type: 'response.function_call_arguments.done',
            ...ids,
            name: item.name,
            arguments: item.arguments,
          });
          send({
            type: 'response.output_item.done',
            response_id: responseId,
            output_index: index,
            item: { ...item, status: 'completed' },
          });
        });
        send({
          type: 'response.done',
          response: {
            id: responseId,
            object: 'realtime.response',
            status: 'completed',
            output: items.map((item) => ({ ...item, status: 'completed' })),
            usage: {
              total_tokens: 0,
              input_tokens: 30,
              output_tokens: 10,
              input_token_details: { text_tokens: 30, audio_tokens: 0, cached_tokens: 0 },
              output_token_details: { text_tokens: 10, audio_tokens: 0 },
            },
          },
        });
      });
    };

    const respond = (heardMs: number, readsToolOutputs = false) => {
      if (behavior.kind === 'call-tools' && !readsToolOutputs) return callTools(behavior.calls);
      if (behavior.kind === 'fail-turn') {
        send({
          type: 'error',
          error: { type: 'server_error', code: behavior.code, message: behavior.message, event_id: null },
        });
        return;
      }
      const responseId = `resp_${randomUUID()}`;
      const itemId = `item_${randomUUID()}`;
      const words = answer.split(' ');
      const totalMs = words.length * msPerWord;
      const chunks = Math.ceil(totalMs / chunkMs);
      let sent = 0;
      let stopped = false;
      const usage = (audioOutMs: number) => ({
        total_tokens: 0,
        input_tokens: Math.round(heardMs / 100) + 20,
        output_tokens: Math.round(audioOutMs / 50) + words.length,
        input_token_details: { text_tokens: 20, audio_tokens: Math.round(heardMs / 100), cached_tokens: 0 },
        output_token_details: { text_tokens: words.length, audio_tokens: Math.round(audioOutMs / 50) },
      });
      const done = (status: 'completed' | 'cancelled') => {
        stopped = true;
        if (active?.id === responseId) active = null;
        send({
          type: 'response.done',
          response: {
            id: responseId,
            object: 'realtime.response',
            status,
            output: [item(itemId, 'assistant', status === 'completed' ? 'completed' : 'incomplete')],
            usage: usage(Math.min(sent * chunkMs, totalMs)),
          },
        });
      };
      active = { id: responseId, stop: () => !stopped && done('cancelled') };
      later(options.responseDelayMs ?? 0, () => {
        if (stopped) return;
        send({
          type: 'response.created',
          response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [] },
        });
        send({
          type: 'conversation.item.created',
          previous_item_id: lastItem,
          item: item(itemId, 'assistant', 'in_progress'),
        });
        lastItem = itemId;
        const next = () => {
          if (stopped) return;
          if (behavior.kind === 'close-mid-answer' && answered === 0 && sent >= behavior.afterDeltas) {
            return ws.terminate();
          }
          if (sent === chunks) {
            send({
              type: 'response.output_audio.done',
              response_id: responseId,
              item_id: itemId,
              output_index: 0,
              content_index: 0,
            });
            send({
              type: 'response.output_audio_transcript.done',
              response_id: responseId,
              item_id: itemId,
              output_index: 0,
              content_index: 0,
              transcript: answer,
            });
            answered += 1;
            return done('completed');
          }
          // The words whose audio starts within this chunk come with it.
          const fromWord = Math.ceil((sent * chunkMs) / msPerWord);
          const toWord = Math.ceil(((sent + 1) * chunkMs) / msPerWord);
          const text = words
            .slice(fromWord, Math.min(toWord, words.length))
            .map((w, i) => (fromWord + i === 0 ? w : ` ${w}`))
            .join('');
          if (text)
            send({
              type: 'response.output_audio_transcript.delta',
              response_id: responseId,
              item_id: itemId,
              output_index: 0,
              content_index: 0,
              delta: text,
            });
          if (sent === 0) connection.firstAudioDeltaAt.push(Date.now());
          const ms = Math.min(chunkMs, totalMs - sent * chunkMs);
          send({
            type: 'response.output_audio.delta',
            response_id: responseId,
            item_id: itemId,
            output_index: 0,
            content_index: 0,
            delta: tone(ms, sent * chunkMs, RATE).toString('base64'),
          });
          sent += 1;
          const interval = options.deltaIntervalMs ?? 0;
          if (interval > 0) later(interval, next);
          else setImmediate(next);
        };
        next();
      });
    };

    ws.on('message', (data: RawData) => {
      let event: { type?: string; [key: string]: unknown };
      try {
        event = JSON.parse(rawText(data)) as typeof event;
      } catch {
        return send({
          type: 'error',
          error: { type: 'invalid_request_error', code: 'invalid_json', message: 'Invalid JSON' },
        });
      }
      const type = String(event.type ?? '');
      connection.received.push(type);
      switch (type) {
        case 'session.update': {
          connection.sessionUpdates.push(event.session);
          const turnDetection = (
            event.session as { audio?: { input?: { turn_detection?: { silence_duration_ms?: number } } } }
          )?.audio?.input?.turn_detection;
          silenceMs = turnDetection?.silence_duration_ms ?? silenceMs;
          return send({
            type: 'session.updated',
            session: { ...sessionObject(), ...(event.session as object) },
          });
        }
        case 'input_audio_buffer.append': {
          const pcm = Buffer.from(String(event.audio ?? ''), 'base64');
          const ms = (pcm.length / 2 / RATE) * 1000;
          const startMs = connection.appendedMs;
          connection.appendedMs += ms;
          connection.appends.push({ at: Date.now(), endMs: connection.appendedMs });
          const voiced = rms(pcm) > VOICED_RMS;
          if (voiced) {
            quietMs = 0;
            if (!inSpeech) {
              inSpeech = true;
              speechStartMs = startMs;
              send({
                type: 'input_audio_buffer.speech_started',
                audio_start_ms: Math.round(startMs),
                item_id: turnItem,
              });
              active?.stop();
            }
          } else if (inSpeech) {
            quietMs += ms;
            if (quietMs >= silenceMs) {
              inSpeech = false;
              const endMs = Math.round(connection.appendedMs - quietMs);
              send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: endMs, item_id: turnItem });
              commit(endMs);
            }
          }
          return;
        }
        case 'input_audio_buffer.commit':
          inSpeech = false;
          return commit(Math.round(connection.appendedMs));
        case 'conversation.item.create': {
          const created = event.item as { type?: string; call_id?: string; output?: string };
          if (created?.type === 'function_call_output') {
            const callId = String(created.call_id);
            connection.toolOutputs.push({ callId, output: String(created.output) });
            if (!unanswered?.delete(callId))
              return send({
                type: 'error',
                error: {
                  type: 'invalid_request_error',
                  code: 'invalid_value',
                  message: `No function call with call_id '${callId}' in the conversation`,
                },
              });
            const id = randomUUID();
            send({
              type: 'conversation.item.created',
              previous_item_id: lastItem,
              item: {
                id,
                object: 'realtime.item',
                type: 'function_call_output',
                call_id: callId,
                output: created.output,
              },
            });
            lastItem = id;
            return;
          }
          const message = event.item as Partial<FakeRealtimeMessageItem> | undefined;
          const role = String(message?.role ?? 'user');
          const content = message?.content ?? [];
          connection.messageItems.push({ role, content });
          const allowed = CONTENT_TYPES[role] ?? [];
          const wrong = content.find((part) => !allowed.includes(part.type));
          if (wrong)
            return send({
              type: 'error',
              error: {
                type: 'invalid_request_error',
                code: 'invalid_value',
                message: `Invalid value: '${wrong.type}' for a message of role '${role}'`,
              },
            });
          if (role === 'user') connection.texts.push(content.map((c) => c.text ?? '').join(''));
          const id = randomUUID();
          send({
            type: 'conversation.item.created',
            previous_item_id: lastItem,
            item: item(id, role === 'assistant' ? 'assistant' : 'user', 'completed'),
          });
          lastItem = id;
          return;
        }
        case 'response.create': {
          if (unanswered === null) return respond(0);
          if (unanswered.size > 0)
            return send({
              type: 'error',
              error: {
                type: 'invalid_request_error',
                code: 'tool_outputs_missing',
                message: `response.create before the output of ${[...unanswered].join(', ')}`,
              },
            });
          unanswered = null;
          return respond(0, true);
        }
        case 'response.cancel':
          (connection as { cancels: number }).cancels += 1;
          // A cancel names its response (or means the active one): never another one.
          if (active && (event.response_id === undefined || event.response_id === active.id))
            return active.stop();
          return send({
            type: 'error',
            error: {
              type: 'invalid_request_error',
              code: 'response_cancel_not_active',
              message: 'Cancellation failed: no active response found',
            },
          });
        case 'conversation.item.truncate': {
          const itemId = String(event.item_id);
          const audioEndMs = Number(event.audio_end_ms);
          connection.truncations.push({ itemId, audioEndMs });
          return send({
            type: 'conversation.item.truncated',
            item_id: itemId,
            content_index: 0,
            audio_end_ms: audioEndMs,
          });
        }
        default:
          return send({
            type: 'error',
            error: {
              type: 'invalid_request_error',
              code: 'unknown_event',
              message: `Invalid value: '${type}'`,
            },
          });
      }
    });
  }

  return {
    url: `${host.url}/v1`,
    connections,
    enqueue: (...behaviors) => queue.push(...behaviors),
    openSockets: host.openSockets,
    close: host.close,
  };
}
