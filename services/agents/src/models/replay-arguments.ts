import type { TranscriptToolResult } from '@conduit/contracts';

/**
 * A stored call's arguments as an object to send back to a provider: what the model wrote when it was a
 * JSON object, else `{}` (the call's result already told the model its arguments were not valid).
 */
export function replayableArguments(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** A tool result as the text the model reads: the output (strings as they are), or the error. */
export function toolResultText(result: TranscriptToolResult): string {
  if (!result.ok)
    return JSON.stringify({ error: result.error ?? { code: 'tool_failed', message: 'failed' } });
  return typeof result.output === 'string' ? result.output : JSON.stringify(result.output ?? null);
}
