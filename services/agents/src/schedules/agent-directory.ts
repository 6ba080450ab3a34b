import { Injectable } from '@nestjs/common';
import { AgentRepository } from '../agents/agent.repository';
import type { ScheduledAgents } from './scheduled-run.port';

/** The agents a schedule may name: its owner's own, read from the agent definitions. */
@Injectable()
export class AgentDirectory implements ScheduledAgents {
  constructor(private readonly agents: AgentRepository) {}

  async isOwnedBy(userId: string, agentId: string): Promise<boolean> {
    return (await this.agents.find(userId, agentId)) !== null;
  }
}
