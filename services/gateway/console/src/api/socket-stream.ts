import type { ServerFrame } from './socket';

/** What a stream over `/ws` needs of the connection (`ConsoleSocket`). */
export interface StreamSocket {
  trySend(frame: ServerFrame): boolean;
  listen(id: string, listener: (frame: ServerFrame) => void): () => void;
}

/** A stream started over `/ws`: its id and start answer (`ack`), then its events as they arrive. */
export interface SocketStream<E> {
  streamId: string;
  ack: Record<string, unknown>;
  events: AsyncIterable<E>;
}

/** A `/ws` stream refused at its start or failed on the way (an `error` frame for its id). */
export class SocketStreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SocketStreamError';
  }
}

/**
 * The connection closed under a stream (`closed` frame): the stream goes on at the gateway, so the
 * caller can resume it by `streamId` (null: it closed before the stream started).
 */
export class SocketClosedError extends Error {
  constructor(
    readonly code: number,
    readonly streamId: string | null,
  ) {
    super(`The connection closed (${code})`);
    this.name = 'SocketClosedError';
  }
}

let nextId = 0;

/**
 * Starts a stream of endpoint `stream` (`chat.message`…) over the open `/ws` connection: the start
 * frame leaves within the caller's task. Returns null, sending nothing, when the connection is not
 * open (the caller takes HTTP instead). The returned promise settles with the `started` frame
 * (`chat.started` for chat), or rejects with its `error` frame; its events then end after the
 * stream's terminal event (`done` or `error`). `signal` stops listening and tells the gateway to stop
 * relaying (`detach`: the stream goes on there, and can be resumed).
 */
export function startSocketStream<E extends { type: string }>(
  socket: StreamSocket,
  stream: string,
  request: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<SocketStream<E>> | null {
  const id = `console-${++nextId}`;
  if (signal?.aborted || !socket.trySend({ type: 'start', id, stream, request })) return null;
  // Frames arrive in later tasks: listening now misses none. Events wait in a ReadableStream until read.
  let events!: ReadableStreamDefaultController<E>;
  const queue = new ReadableStream<E>({ start: (controller) => (events = controller) });
  let streamId: string | null = null;
  let settle: { resolve: (started: SocketStream<E>) => void; reject: (error: Error) => void } | null = null;
  const started = new Promise<SocketStream<E>>((resolve, reject) => (settle = { resolve, reject }));
  const stopListening = socket.listen(id, (frame) => {
    switch (frame.type) {
      case 'started':
      case 'chat.started':
        streamId = String(frame.streamId);
        settle?.resolve({ streamId, ack: frame.ack as Record<string, unknown>, events: read(queue) });
        settle = null;
        return;
      case 'event':
      case 'chat.event': {
        const event = frame.event as E;
        events.enqueue(event);
        if (event.type === 'done' || event.type === 'error') {
          stop();
          events.close();
        }
        return;
      }
      case 'error': {
        const error = frame.error as { code?: string; message?: string } | undefined;
        return fail(new SocketStreamError(error?.code ?? 'INTERNAL', error?.message ?? 'The stream failed'));
      }
      case 'closed':
        return fail(new SocketClosedError(Number(frame.code), streamId));
    }
  });
  const onAbort = () => {
    // The gateway stops relaying it to this connection (and frees its slot); the answer goes on there.
    socket.trySend({ type: 'detach', id });
    fail(new DOMException('The stream was left', 'AbortError'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  function stop(): void {
    stopListening();
    signal?.removeEventListener('abort', onAbort);
  }
  function fail(error: Error): void {
    stop();
    if (settle) settle.reject(error);
    else events.error(error);
    settle = null;
  }
  return started;
}

async function* read<E>(queue: ReadableStream<E>): AsyncGenerator<E> {
  const reader = queue.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
