import { randomUUID } from 'node:crypto';
import { Bus, ChannelReader, ChannelWriter, encodeJson } from '@conduit/bus';
import {
  VOICE_HEARTBEAT_INTERVAL_MS,
  VoiceContract,
  VoiceSessionChannel,
  type CallerContext,
  type OpenVoiceSessionResponse,
  type RequestOf,
  type VoiceServerEvent,
  type VoiceSessionControl,
} from '@conduit/contracts';
import { waitFor } from '@conduit/testing';

export type Received =
  { kind: 'event'; event: VoiceServerEvent } | { kind: 'audio'; bytes: number; data: Buffer };

/** The gateway's side of a live session, for tests of the voice service on the bus. */
export class SessionClient {
  readonly received: Received[] = [];
  fault: string | null = null;
  ready: OpenVoiceSessionResponse | null = null;
  readonly id = randomUUID();
  private readonly output: ChannelReader;
  private readonly input: ChannelWriter;
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(bus: Bus, caller: CallerContext) {
    this.output = new ChannelReader(bus, VoiceSessionChannel, this.id, 'out', {
      message: ({ kind, data }) => {
        if (kind === 'event') this.received.push({ kind, event: JSON.parse(Buffer.from(data).toString()) });
        if (kind === 'audio') this.received.push({ kind, bytes: data.length, data: Buffer.from(data) });
      },
      fault: (fault) => (this.fault = fault),
    });
    this.input = new ChannelWriter(bus, VoiceSessionChannel, this.id, 'in', caller);
  }

  /** Only once the session is open: input sent before its replica listens would be lost (a gap in seq). */
  private startHeartbeat(): void {
    this.heartbeat = setInterval(
      () => this.input.send('heartbeat', new Uint8Array(0)),
      VOICE_HEARTBEAT_INTERVAL_MS,
    );
  }

  /** Listens on the session's output, then asks for it, as the gateway does. */
  static async open(
    bus: Bus,
    caller: CallerContext,
    start: Partial<RequestOf<typeof VoiceContract.openSession>['start']> = {},
  ): Promise<SessionClient> {
    const client = new SessionClient(bus, caller);
    try {
      client.ready = await bus.request(
        VoiceContract.openSession,
        {
          voiceSessionId: client.id,
          start: { type: 'start', sampleRate: 16_000, encoding: 'pcm16', ...start },
        },
        caller,
      );
      client.startHeartbeat();
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  sendAudio(frame: Buffer): void {
    this.input.send('audio', frame);
  }

  send(control: VoiceSessionControl): void {
    this.input.send('control', encodeJson(control));
  }

  /** Every reply's audio bytes, in arrival order. */
  audio(): Buffer {
    return Buffer.concat(this.received.flatMap((r) => (r.kind === 'audio' ? [r.data] : [])));
  }

  events(): VoiceServerEvent[] {
    return this.received.flatMap((r) => (r.kind === 'event' ? [r.event] : []));
  }

  eventsOf<T extends VoiceServerEvent['type']>(type: T): Extract<VoiceServerEvent, { type: T }>[] {
    return this.events().filter((e): e is Extract<VoiceServerEvent, { type: T }> => e.type === type);
  }

  until(predicate: () => boolean, what: string): Promise<void> {
    return waitFor(predicate, () => `${what}; got ${JSON.stringify(this.events()).slice(-2000)}`);
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.output.close();
  }
}
