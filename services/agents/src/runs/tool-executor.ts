import type { TranscriptToolCall, TranscriptToolResult } from '@conduit/contracts';
import type { AgentTool, ToolContext, ToolOutput } from '../tools/agent-tool';
import { z } from 'zod';

export interface ToolCallContext extends Omit<ToolContext, 'callId' | 'signal'> {
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * Runs one call the model asked for. Whatever goes wrong (an unknown tool, arguments that are not JSON
 * or fail the tool's schema, the tool throwing or timing out) becomes an error result the model reads;
 * nothing here throws.
 */
export async function executeToolCall(
  call: TranscriptToolCall,
  tools: ReadonlyMap<string, AgentTool>,
  context: ToolCallContext,
): Promise<TranscriptToolResult> {
  const started = performance.now();
  const output = await outputOf(call, tools, context);
  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  return output.ok
    ? { callId: call.id, name: call.name, ok: true, output: output.output, durationMs }
    : { callId: call.id, name: call.name, ok: false, error: output.error, durationMs };
}

async function outputOf(
  call: TranscriptToolCall,
  tools: ReadonlyMap<string, AgentTool>,
  context: ToolCallContext,
): Promise<ToolOutput> {
  const tool = tools.get(call.name);
  if (!tool) {
    const names = [...tools.keys()];
    return failure(
      'unknown_tool',
      `There is no tool named "${call.name}". ${names.length > 0 ? `Tools: ${names.join(', ')}.` : 'No tools are available.'}`,
    );
  }
  let args: unknown;
  try {
    args = JSON.parse(call.arguments === '' ? '{}' : call.arguments);
  } catch (error) {
    return failure('invalid_json', `The arguments are not valid JSON: ${(error as Error).message}`);
  }
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) {
    return failure(
      'invalid_arguments',
      `The arguments do not fit the tool's schema: ${z.prettifyError(parsed.error)}`,
    );
  }
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(context.timeoutMs)]);
  try {
    return await Promise.race([
      tool.run(parsed.data, { ...context, callId: call.id, signal }),
      new Promise<ToolOutput>((resolve) => {
        const stop = () =>
          resolve(failure(context.signal.aborted ? 'cancelled' : 'timeout', stopMessage(context)));
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
      }),
    ]);
  } catch (error) {
    return failure('tool_failed', error instanceof Error ? error.message : String(error));
  }
}

function stopMessage(context: ToolCallContext): string {
  return context.signal.aborted
    ? 'The run was stopped before the tool finished'
    : `The tool did not finish within ${context.timeoutMs} ms`;
}

function failure(code: string, message: string): ToolOutput {
  return { ok: false, error: { code, message } };
}
