import { Injectable } from '@nestjs/common';
import type { AgentTools, RunAgentToolCallRequest, TranscriptToolResult } from '@conduit/contracts';
import type { MeteredCaller } from '@conduit/metering';
import { InjectConfig } from '@conduit/service-kit';
import { AgentsService } from '../agents/agents.service';
import type { AgentsConfig } from '../config';
import { RunMetering } from '../runs/run-metering';
import { executeToolCall } from '../runs/tool-executor';
import { ToolRegistry, type RunTools } from '../tools/tool-registry';

/**
 * An agent's tools for a model this service does not call (a realtime voice model): their definitions,
 * and each call run as a run's would be (the same tools, checks, time limit and metering), for the
 * agent's owner only.
 */
@Injectable()
export class AgentToolCalls {
  constructor(
    private readonly agents: AgentsService,
    private readonly tools: ToolRegistry,
    private readonly metering: RunMetering,
    @InjectConfig() private readonly config: AgentsConfig,
  ) {}

  /** NOT_FOUND for an agent that is not `userId`'s. */
  async list(userId: string, agentId: string): Promise<AgentTools> {
    const agent = await this.agents.get(userId, agentId);
    const tools = await this.toolsOf(userId, agent);
    return { instructions: agent.instructions, tools: [...tools.specs] };
  }

  /** Never fails for the call's own faults: they are its `ok: false` result. NOT_FOUND for another's agent. */
  async run(caller: MeteredCaller, request: RunAgentToolCallRequest): Promise<TranscriptToolResult> {
    const agent = await this.agents.get(caller.userId, request.agentId);
    const tools = await this.toolsOf(caller.userId, agent);
    const result = await executeToolCall(request.call, tools.byName, {
      userId: caller.userId,
      agentId: agent.id,
      runId: request.reference,
      signal: new AbortController().signal,
      timeoutMs: this.config.AGENTS_TOOL_TIMEOUT_MS,
    });
    this.metering.recordToolCall(caller, request.reference, request.call.name, result.ok);
    return result;
  }

  private toolsOf(
    userId: string,
    agent: { tools: string[]; mcpServers: string[]; connectors: string[] },
  ): Promise<RunTools> {
    return this.tools.toolsFor(userId, agent, AbortSignal.timeout(this.config.AGENTS_TOOL_TIMEOUT_MS));
  }
}
