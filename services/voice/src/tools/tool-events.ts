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
