import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { Subscription } from 'nats';
import { Envelope, EventDef, RequestDef } from '@conduit/contracts';
import { Bus } from '../bus';
import { BusContext } from './bus-context';

export interface BusTransportOptions {
  /** Queue group: replicas of one service share its load. Conventionally the service name. */
  queue: string;
  /** Every contract this service may handle; a handler without a contract fails at start-up. */
  contracts: readonly (RequestDef | EventDef)[];
}

/** Serves `@HandleRequest`/`@HandleEvent` controller methods over the typed bus. */
export class BusTransport extends Server implements CustomTransportStrategy {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly options: BusTransportOptions,
  ) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    const contractsBySubject = new Map(this.options.contracts.map((def) => [def.subject, def]));
    for (const [pattern, handler] of this.messageHandlers) {
      const def = contractsBySubject.get(pattern);
      if (!def) throw new Error(`No contract is registered for handler pattern "${pattern}"`);
      this.subscriptions.push(
        def.kind === 'request' ? this.serveRequest(def, handler) : this.subscribeEvent(def, handler),
      );
    }
    callback();
  }

  /** Stops taking new messages; requests already received finish (NATS drain semantics). */
  async close(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subscriptions.map((s) => s.drain().catch(() => undefined)));
  }

  on(): void {
    // The bus reports connection changes itself (Bus.onConnectionChange).
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private serveRequest(def: RequestDef, handler: MessageHandler): Subscription {
    return this.bus.serve(def, (payload, envelope) => invoke(handler, payload, envelope), {
      queue: this.options.queue,
    });
  }

  private subscribeEvent(def: EventDef, handler: MessageHandler): Subscription {
    return this.bus.subscribeEvent(
      def,
      async (payload, envelope) => void (await invoke(handler, payload, envelope)),
      {
        queue: this.options.queue,
      },
    );
  }
}

async function invoke(handler: MessageHandler, payload: unknown, envelope: Envelope): Promise<unknown> {
  const result: unknown = await handler(payload, new BusContext(envelope));
  return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
}
