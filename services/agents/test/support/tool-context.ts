import { randomUUID } from 'node:crypto';
import type { ToolContext } from '../../src/tools/agent-tool';

/** A tool call's context as a run would give it. */
export function toolContext(userId: string, signal: AbortSignal = new AbortController().signal): ToolContext {
  return { userId, agentId: randomUUID(), runId: randomUUID(), callId: `call_${randomUUID()}`, signal };
}
