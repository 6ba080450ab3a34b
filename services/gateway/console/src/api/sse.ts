import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One server-sent event, its `data` parsed as JSON (every stream of the API sends JSON). */
export interface SseEvent<T = Record<string, unknown>> {
  id?: string;
  event?: string;
  data: T;
}

/**
 * Reads an SSE body (of a POST or a GET) event by event; ends when the server ends the answer.
 * The body's reader feeds `eventsource-parser` directly rather than through TextDecoderStream and
 * EventSourceParserStream pipes: no stream machinery between a chunk's bytes and its events, which
 * is on the path of a streamed answer's first token to the page.
 */
export async function* readSse<T = Record<string, unknown>>(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<SseEvent<T>> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => parsed.push(message) });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      parser.feed(done ? decoder.decode() : decoder.decode(value, { stream: true }));
      for (const message of parsed.splice(0)) {
        yield { id: message.id, event: message.event, data: JSON.parse(message.data) as T };
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}
