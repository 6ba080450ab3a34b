import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { AgentsContract, CallerContext, DomainError, ErrorCode, isDomainError } from '@conduit/contracts';

/** Checks, with the agents service, that an agent a session is to be linked to is the caller's own. */
@Injectable()
export class AgentLinks {
  constructor(private readonly bus: Bus) {}

  /** NOT_FOUND (on `agentId`) for an agent that does not exist or is someone else's. */
  async assertOwn(caller: CallerContext, agentId: string): Promise<void> {
    try {
      await this.bus.request(AgentsContract.getAgent, { agentId }, caller);
    } catch (error) {
      if (isDomainError(error) && error.code === ErrorCode.NotFound) {
        throw new DomainError(ErrorCode.NotFound, 'No agent of yours with that id', {
          fields: [{ path: 'agentId', message: 'is not one of your agents' }],
        });
      }
      throw error;
    }
  }
}
