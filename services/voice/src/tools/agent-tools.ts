import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  AgentsToolsContract,
  ErrorCode,
  isDomainError,
  type AgentToolSpec,
  type CallerContext,
  type TranscriptToolCall,
  type TranscriptToolResult,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { VoiceConfig } from '../config';

/** The tools of the agent a conversation is linked to, as a realtime model is given them. */
export interface AgentToolbox {
  /** The agent's instructions, for a conversation that was given no system prompt. */
  readonly instructions: string;
  readonly specs: readonly AgentToolSpec[];
  /** Runs one call the model made in the agents service; every failure is an `ok: false` result. */
  run(call: TranscriptToolCall, reference: string): Promise<TranscriptToolResult>;
}

/**
 * The agents service's tools for a model it does not call itself: the definitions and the calls of the
 * caller's agent go through it (`AgentsToolsContract`), so the tools, their checks, time limit and
 * metering are the agent's own.
 */
@Injectable()
export class AgentTools {
  constructor(
    private readonly bus: Bus,
    @InjectConfig() private readonly config: VoiceConfig,
  ) {}

  /** NOT_FOUND when the agent is not the caller's. */
  async forAgent(caller: CallerContext, agentId: string): Promise<AgentToolbox> {
    const { instructions, tools } = await this.bus.request(
      AgentsToolsContract.listTools,
      { agentId },
      caller,
    );
    return {
      instructions,
      specs: tools,
      run: (call, reference) => this.run(caller, agentId, call, reference),
    };
  }

  private async run(
    caller: CallerContext,
    agentId: string,
    call: TranscriptToolCall,
    reference: string,
  ): Promise<TranscriptToolResult> {
    const started = performance.now();
    try {
      return await this.bus.request(AgentsToolsContract.runToolCall, { agentId, call, reference }, caller, {
        timeoutMs: this.config.VOICE_TOOL_TIMEOUT_MS,
      });
    } catch (error) {
      // The agents service down, too slow, or refusing the call: the model is told and goes on.
      const body = isDomainError(error)
        ? error.toBody()
        : { code: ErrorCode.Internal, message: 'The tool call failed unexpectedly' };
      return {
        callId: call.id,
        name: call.name,
        ok: false,
        error: { code: body.code, message: body.message },
        durationMs: Math.round(performance.now() - started),
      };
    }
  }
}
