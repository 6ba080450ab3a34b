import { headers as natsHeaders, type Msg, type Subscription } from 'nats';
import {
  channelSubject,
  ChannelHeader,
  type CallerContext,
  type ChannelDef,
  type Envelope,
} from '@conduit/contracts';
import type { Bus } from './bus';
import { envelopeFromHeaders, envelopeToHeaders } from './envelope-headers';

/** A received channel message, in order: what it carries and who sent it. */
export interface ChannelMessage {
  readonly kind: string;
  readonly data: Uint8Array;
  readonly envelope: Envelope;
}

/** Why a channel message was not handed over. */
export type ChannelFault = 'unnumbered' | 'out-of-order';

/**
 * Sends one direction of a channel ({@link ChannelDef}): numbers every message from 0, so the
 * receiver can tell a loss or a reordering, and passes payloads as they are (audio stays binary).
 * Input messages carry the caller's envelope, so the pinned replica can check who sends them.
 */
export class ChannelWriter {
  private seq = 0;
  /** When the last message went out, for heartbeats sent only while quiet. */
  lastSentAt = Date.now();
  private readonly subject: string;

  constructor(
    private readonly bus: Bus,
    def: ChannelDef,
    channelId: string,
    direction: 'in' | 'out',
    private readonly sender: CallerContext | null = null,
  ) {
    this.subject = bus.subject(channelSubject(def, channelId, direction));
  }

  send(kind: string, payload: Uint8Array): void {
    const headers = this.sender ? envelopeToHeaders(this.sender) : natsHeaders();
    headers.set(ChannelHeader.Seq, String(this.seq));
    headers.set(ChannelHeader.Kind, kind);
    this.seq += 1;
    this.lastSentAt = Date.now();
    if (this.bus.connection.isClosed()) return; // the peer's heartbeat watch ends the conversation
    this.bus.connection.publish(this.subject, payload, { headers });
  }
}

/**
 * Reads one direction of a channel: hands over messages in order and reports any that is unnumbered
 * or whose number is not the next one (a loss or a reordering), which ends the conversation for
 * callers that need every frame.
 */
export class ChannelReader {
  private expectedSeq = 0;
  private readonly subscription: Subscription;
  private readonly clock: { now(): number };
  /** When the last message came in, for the heartbeat watch (on the watch's clock). */
  lastHeardAt: number;

  /**
   * `clock` is the heartbeat watch's (a `ListeningClock`, so this process's own stalls are not the
   * peer's silence); the wall clock by default.
   */
  constructor(
    bus: Bus,
    def: ChannelDef,
    channelId: string,
    direction: 'in' | 'out',
    handlers: { message: (message: ChannelMessage) => void; fault: (fault: ChannelFault) => void },
    clock: { now(): number } = Date,
  ) {
    this.clock = clock;
    this.lastHeardAt = clock.now();
    this.subscription = bus.connection.subscribe(bus.subject(channelSubject(def, channelId, direction)), {
      callback: (error, msg) => {
        if (error) return handlers.fault('out-of-order');
        const message = this.accept(msg);
        if (typeof message === 'string') handlers.fault(message);
        else handlers.message(message);
      },
    });
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  private accept(msg: Msg): ChannelMessage | ChannelFault {
    const seq = Number(msg.headers?.get(ChannelHeader.Seq) || 'none');
    const kind = msg.headers?.get(ChannelHeader.Kind) ?? '';
    if (!Number.isSafeInteger(seq) || kind === '') return 'unnumbered';
    if (seq !== this.expectedSeq) return 'out-of-order';
    this.expectedSeq += 1;
    this.lastHeardAt = this.clock.now();
    return { kind, data: msg.data, envelope: envelopeFromHeaders(msg.headers) };
  }
}
