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
 * The one multiplexed `/ws` connection of the console, opened after sign-in or on first use
 * (authenticated with `?access_token=`) and opened again by `open` or the next send after it closes
 * (expired token 4401, the gateway's `reconnect`…). Listeners subscribe by the client's own stream id,
 * or to every frame.
 */
export class ConsoleSocket {
  private socket: Promise<WebSocket> | null = null;
  /** The connection being opened or open; frames of any other (closed) one are ignored. */
  private current: WebSocket | null = null;
  private readonly byId = new Map<string, Set<(frame: ServerFrame) => void>>();
  private readonly everyFrame = new Set<(frame: ServerFrame) => void>();

  constructor(private readonly url: () => Promise<string>) {}

  async send(frame: ServerFrame): Promise<void> {
    const socket = await this.connect();
    socket.send(JSON.stringify(frame));
  }

  /** Opens the connection unless it is open or opening; a failure is left for the next send. */
  open(): void {
    this.connect().catch(() => undefined);
  }

  /**
   * Sends at once when the connection is open (true); otherwise sends nothing (false), so the caller
   * can take another way rather than wait for a connection.
   */
  trySend(frame: ServerFrame): boolean {
    if (this.current?.readyState !== WebSocket.OPEN) return false;
    this.current.send(JSON.stringify(frame));
    return true;
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

  /** Closes the connection; its streams' listeners are told at once (`closed`, code 1000). */
  close(): void {
    const socket = this.current;
    this.current = null;
    this.socket = null;
    if (!socket) return; // still fetching its token: `connect` sees it was closed and gives up
    socket.close(1000);
    this.tellClosed(1000);
  }

  private connect(): Promise<WebSocket> {
    if (this.socket) return this.socket;
    const connecting: Promise<WebSocket> = this.url().then(
      (url) =>
        new Promise<WebSocket>((resolve, reject) => {
          if (this.socket !== connecting) return reject(new Error('WebSocket closed (1000)'));
          const socket = new WebSocket(url);
          this.current = socket;
          socket.addEventListener('open', () => resolve(socket), { once: true });
          socket.addEventListener('message', (message) => {
            if (this.current === socket) this.dispatch(JSON.parse(String(message.data)) as ServerFrame);
          });
          socket.addEventListener('close', (event) => {
            reject(new Error(`WebSocket closed (${event.code})`));
            if (this.current !== socket) return; // closed by `close`, which told the listeners
            this.current = null;
            this.socket = null;
            this.tellClosed(event.code);
          });
        }),
    );
    this.socket = connecting;
    connecting.catch(() => {
      if (this.socket === connecting) this.socket = null;
    });
    return connecting;
  }

  private tellClosed(code: number): void {
    const closed: ClosedFrame = { type: 'closed', code };
    this.everyFrame.forEach((listener) => listener(closed));
    [...this.byId.values()].forEach((listeners) => listeners.forEach((listener) => listener(closed)));
  }

  private dispatch(frame: ServerFrame): void {
    if (frame.type === 'reconnect') this.close();
    this.everyFrame.forEach((listener) => listener(frame));
    if (frame.id) this.byId.get(frame.id)?.forEach((listener) => listener(frame));
  }
}
