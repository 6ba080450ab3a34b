import type { TranscriptToolResult, VoiceToolCallEvent, VoiceToolResultEvent } from '@conduit/contracts';

/** A tool call the model asked for, as the client's `tool.call` of turn `turnId`. */
export function toolCallEvent(
  turnId: string,
  call: { callId: string; name: string; arguments: unknown },
): VoiceToolCallEvent {
  return { type: 'tool.call', turnId, callId: call.callId, name: call.name, arguments: call.arguments };
}

/** A tool's answer, as the client's `tool.result` of turn `turnId`: `output` when ok, else `error`. */
export function toolResultEvent(turnId: string, result: TranscriptToolResult): VoiceToolResultEvent {
  return {
    type: 'tool.result',
    turnId,
    callId: result.callId,
    name: result.name,
    ok: result.ok,
    ...(result.ok ? { output: result.output } : { error: result.error }),
    durationMs: result.durationMs,
  };
}

/**
 * A tool's answer as a model reads it: `{output}` when ok, `{error: {code, message}}` when not (Gemini's
 * function response keys; OpenAI gets the same object as JSON text).
 */
export function modelToolOutput(result: TranscriptToolResult): Record<string, unknown> {
  return result.ok ? { output: result.output } : { error: result.error };
}
