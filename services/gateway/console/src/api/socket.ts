/** A frame from `/ws` (README, WebSocket): `ready`, `started`, `event`, `error`, `notification`… */
export interface ServerFrame {
  type: string;
  id?: string;
  [field: string]: unknown;
}

/** Told to every listener when the connection ends, so streams can `resume` on the next one. */
export interface ClosedFrame extends ServerFrame {
  type: 'closed';
  code: number;
}

/**
 * The one multiplexed `/ws` connection of the console, opened on first use (authenticated with
 * `?access_token=`) and opened again on the next send after it closes (expired token 4401, the
 * gateway's `reconnect`…). Listeners subscribe by the client's own stream id, or to every frame.
 */
export class ConsoleSocket {
  private socket: Promise<WebSocket> | null = null;
  private readonly byId = new Map<string, Set<(frame: ServerFrame) => void>>();
  private readonly everyFrame = new Set<(frame: ServerFrame) => void>();

  constructor(private readonly url: () => Promise<string>) {}

  async send(frame: ServerFrame): Promise<void> {
    const socket = await this.connect();
    socket.send(JSON.stringify(frame));
  }

  /** Frames for one stream id; the returned function stops listening. */
  listen(id: string, listener: (frame: ServerFrame) => void): () => void {
    const listeners = this.byId.get(id) ?? new Set();
    listeners.add(listener);
    this.byId.set(id, listeners);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.byId.delete(id);
    };
  }

  listenAll(listener: (frame: ServerFrame) => void): () => void {
    this.everyFrame.add(listener);
    return () => this.everyFrame.delete(listener);
  }

  close(): void {
    void this.socket?.then((socket) => socket.close(1000));
    this.socket = null;
  }

  private connect(): Promise<WebSocket> {
    this.socket ??= this.url().then(
      (url) =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(url);
          socket.addEventListener('open', () => resolve(socket), { once: true });
          socket.addEventListener('message', (message) =>
            this.dispatch(JSON.parse(String(message.data)) as ServerFrame),
          );
          socket.addEventListener('close', (event) => {
            this.socket = null;
            reject(new Error(`WebSocket closed (${event.code})`));
            const closed: ClosedFrame = { type: 'closed', code: event.code };
            this.everyFrame.forEach((listener) => listener(closed));
            [...this.byId.values()].forEach((listeners) => listeners.forEach((listener) => listener(closed)));
          });
        }),
    );
    this.socket.catch(() => (this.socket = null));
    return this.socket;
  }

  private dispatch(frame: ServerFrame): void {
    if (frame.type === 'reconnect') this.close();
    this.everyFrame.forEach((listener) => listener(frame));
    if (frame.id) this.byId.get(frame.id)?.forEach((listener) => listener(frame));
  }
}
