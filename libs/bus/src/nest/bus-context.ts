import { BaseRpcContext } from '@nestjs/microservices';
import { CallerContext, Envelope } from '@conduit/contracts';
import { callerOf } from '../envelope-headers';

/** What a handler learns about the message besides its payload: who sent it and the trace it belongs to. */
export class BusContext extends BaseRpcContext<[Envelope]> {
  constructor(envelope: Envelope) {
    super([envelope]);
  }

  get envelope(): Envelope {
    return this.args[0];
  }

  get caller(): CallerContext {
    return callerOf(this.envelope);
  }
}
