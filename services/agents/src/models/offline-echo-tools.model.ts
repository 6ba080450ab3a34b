import { OFFLINE_AGENT_MODEL, type TranscriptMessage, type TranscriptToolCall } from '@conduit/contracts';
import type { AgentModel, ModelTurnEvent, ModelTurnRequest } from './agent-model.port';

/** A line asking for a tool: `call <tool_name> <JSON arguments>`. */
const TOOL_REQUEST = /^\s*call\s+([a-zA-Z0-9_-]{1,64})\s+(\{.*\})\s*$/gm;

/**
 * The model that needs no provider. It does not think: it says it is offline and echoes the input,
 * except that each line of the user's last message of the form `call <tool_name> {json}` becomes a call
 * of that tool with those arguments (all such lines in one step, so in parallel), and after the results
 * it reports them. Deterministic, so runs without a provider can be tested and benchmarked.
 */
export class OfflineEchoToolsModel implements AgentModel {
  async *turn(request: ModelTurnRequest): AsyncGenerator<ModelTurnEvent> {
    request.signal.throwIfAborted();
    const last = request.transcript[request.transcript.length - 1];
    const step = request.transcript.filter((m) => m.role === 'assistant').length + 1;
    const calls = last?.role === 'user' ? toolRequests(last.text, step) : [];
    const text = calls.length > 0 ? '' : answer(last);
    if (text) yield { type: 'text', text };
    for (const call of calls) yield { type: 'tool_call', call };
    const inputChars = request.system.length + JSON.stringify(request.transcript).length;
    yield {
      type: 'finish',
      reason: calls.length > 0 ? 'tool_calls' : 'stop',
      usage: {
        inputTokens: Math.ceil(inputChars / 4),
        outputTokens: Math.ceil(
          (text.length + JSON.stringify(calls).length * (calls.length > 0 ? 1 : 0)) / 4,
        ),
        cachedTokens: 0,
      },
    };
  }
}

function toolRequests(text: string, step: number): TranscriptToolCall[] {
  return [...text.matchAll(TOOL_REQUEST)].map((match, index) => ({
    id: `call_offline_${step}_${index}`,
    name: match[1]!,
    arguments: match[2]!,
  }));
}

const PREFIX = `[${OFFLINE_AGENT_MODEL}] This is the offline model: no AI provider is configured, so nothing here was thought through by a language model.`;

function answer(last: TranscriptMessage | undefined): string {
  if (last?.role === 'tool') {
    const lines = last.results.map((r) =>
      r.ok
        ? `${r.name} returned ${JSON.stringify(r.output)}`
        : `${r.name} failed: ${r.error?.message ?? 'error'}`,
    );
    return `${PREFIX} Tool results: ${lines.join('; ')}.`;
  }
  const input = last?.role === 'user' ? last.text : '';
  return `${PREFIX} You said: "${input}". To run a tool, write a line "call <tool_name> {JSON arguments}".`;
}
