import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  DEFAULT_AGENT_LIMITS,
  DomainError,
  ErrorCode,
  type Agent,
  type AgentPage,
  type CreateAgent,
  type ListAgentsQuery,
  type UpdateAgent,
} from '@conduit/contracts';
import { decodeSeqCursor, encodeSeqCursor } from '@conduit/service-kit';
import { parseAgentModelId } from '../models/agent-model-id';
import { AgentRepository, type AgentFields } from './agent.repository';

const CURSOR_TAG = 'a';

/** Agent definitions, always the caller's own. */
@Injectable()
export class AgentsService {
  constructor(private readonly agents: AgentRepository) {}

  async create(userId: string, input: CreateAgent): Promise<Agent> {
    parseAgentModelId(input.model);
    const fields: AgentFields = { ...input, limits: { ...DEFAULT_AGENT_LIMITS, ...input.limits } };
    return (await this.agents.insert(userId, randomUUID(), fields)).agent;
  }

  /** NOT_FOUND for an agent that is not the caller's, exactly as for one that does not exist. */
  async get(userId: string, agentId: string): Promise<Agent> {
    const stored = await this.agents.find(userId, agentId);
    if (!stored) throw notFound(agentId);
    return stored.agent;
  }

  async list(userId: string, query: ListAgentsQuery): Promise<AgentPage> {
    const before = query.cursor ? decodeSeqCursor(CURSOR_TAG, query.cursor) : null;
    const rows = await this.agents.page(userId, query.limit + 1, before);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      data: page.map((row) => row.agent),
      nextCursor: rows.length > query.limit && last ? encodeSeqCursor(CURSOR_TAG, last.seq) : null,
    };
  }

  async update(userId: string, agentId: string, update: UpdateAgent): Promise<Agent> {
    if (update.model !== undefined) parseAgentModelId(update.model);
    const current = await this.get(userId, agentId);
    const fields: AgentFields = {
      name: update.name ?? current.name,
      description: update.description ?? current.description,
      instructions: update.instructions ?? current.instructions,
      model: update.model ?? current.model,
      tools: update.tools ?? current.tools,
      mcpServers: update.mcpServers ?? current.mcpServers,
      connectors: update.connectors ?? current.connectors,
      limits: { ...current.limits, ...update.limits },
    };
    const updated = await this.agents.replace(userId, agentId, fields);
    if (!updated) throw notFound(agentId);
    return updated.agent;
  }

  async delete(userId: string, agentId: string): Promise<{ agentId: string; deleted: true }> {
    if (!(await this.agents.delete(userId, agentId))) throw notFound(agentId);
    return { agentId, deleted: true };
  }
}

function notFound(agentId: string): DomainError {
  return new DomainError(ErrorCode.NotFound, `No agent ${agentId}`);
}
