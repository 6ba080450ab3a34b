import type { ModelTurnEvent, ModelTurnRequest } from './agent-model.port';
import { OfflineEchoToolsModel } from './offline-echo-tools.model';

async function turn(transcript: ModelTurnRequest['transcript']): Promise<ModelTurnEvent[]> {
  const events: ModelTurnEvent[] = [];
  for await (const event of new OfflineEchoToolsModel().turn({
    model: 'echo-tools',
    system: '',
    transcript,
    tools: [],
    maxOutputTokens: 100,
    signal: new AbortController().signal,
  })) {
    events.push(event);
  }
  return events;
}

describe('OfflineEchoToolsModel', () => {
  it('says it is offline and echoes the input when no tool is asked for by name', async () => {
    const events = await turn([{ role: 'user', text: 'What is the weather?' }]);
    const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
    expect(text).toContain('offline model');
    expect(text).toContain('What is the weather?');
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'stop' });
  });

  it('calls each tool asked for on its own line, in one step, and then reports the results', async () => {
    const events = await turn([
      { role: 'user', text: 'please\ncall calculator {"expression": "1+1"}\ncall current_time {}' },
    ]);
    expect(events.filter((e) => e.type === 'tool_call')).toEqual([
      {
        type: 'tool_call',
        call: { id: 'call_offline_1_0', name: 'calculator', arguments: '{"expression": "1+1"}' },
      },
      { type: 'tool_call', call: { id: 'call_offline_1_1', name: 'current_time', arguments: '{}' } },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' });

    const after = await turn([
      { role: 'user', text: 'call calculator {"expression": "1+1"}' },
      { role: 'assistant', text: '', toolCalls: [{ id: 'c', name: 'calculator', arguments: '{}' }] },
      {
        role: 'tool',
        results: [{ callId: 'c', name: 'calculator', ok: true, output: { result: '2' }, durationMs: 0 }],
      },
    ]);
    const text = after.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
    expect(text).toContain('offline model');
    expect(text).toContain('calculator returned {"result":"2"}');
    expect(after.some((e) => e.type === 'tool_call')).toBe(false);
  });
});
