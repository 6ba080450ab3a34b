import { EventSourceParserStream } from 'eventsource-parser/stream';

/** One server-sent event, its `data` parsed as JSON (every stream of the API sends JSON). */
export interface SseEvent<T = Record<string, unknown>> {
  id?: string;
  event?: string;
  data: T;
}

/** Reads an SSE body (of a POST or a GET) event by event; ends when the server ends the answer. */
export async function* readSse<T = Record<string, unknown>>(
  body: ReadableStream<BufferSource>,
): AsyncGenerator<SseEvent<T>> {
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield { id: value.id, event: value.event, data: JSON.parse(value.data) as T };
    }
  } finally {
    reader.releaseLock();
  }
}
