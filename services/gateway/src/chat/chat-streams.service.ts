import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Bus, StreamReader } from '@conduit/bus';
import { CallerContext, ChatContract, RequestOf, ResponseOf } from '@conduit/contracts';

export type CompletionStream = StreamReader<typeof ChatContract.completionStream>;

/**
 * Starts completions on the chat service. The stream is subscribed before the request goes out, so
 * not one event can be missed; if the request fails, the subscription is dropped and the error thrown.
 */
@Injectable()
export class ChatStreamsService {
  constructor(private readonly bus: Bus) {}

  startInSession(
    caller: CallerContext,
    request: Omit<RequestOf<typeof ChatContract.startCompletion>, 'streamId'>,
  ): Promise<{ ack: ResponseOf<typeof ChatContract.startCompletion>; stream: CompletionStream }> {
    return this.start(caller, ChatContract.startCompletion, request);
  }

  startStateless(
    caller: CallerContext,
    request: Omit<RequestOf<typeof ChatContract.runCompletion>, 'streamId'>,
  ): Promise<{ ack: ResponseOf<typeof ChatContract.runCompletion>; stream: CompletionStream }> {
    return this.start(caller, ChatContract.runCompletion, request);
  }

  cancel(caller: CallerContext, streamId: string): Promise<void> {
    return this.bus.cancelStream(ChatContract.completionStream, streamId, caller);
  }

  private async start<D extends typeof ChatContract.startCompletion | typeof ChatContract.runCompletion>(
    caller: CallerContext,
    def: D,
    request: Omit<RequestOf<D>, 'streamId'>,
  ): Promise<{ ack: ResponseOf<D>; stream: CompletionStream }> {
    const streamId = randomUUID();
    const stream = this.bus.openStream(ChatContract.completionStream, streamId);
    try {
      const ack = await this.bus.request(def, { ...request, streamId } as RequestOf<D>, caller);
      return { ack, stream };
    } catch (error) {
      stream.close();
      throw error;
    }
  }
}
