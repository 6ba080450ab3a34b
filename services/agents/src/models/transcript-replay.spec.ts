import type { TranscriptMessage } from '@conduit/contracts';
import { toAnthropicMessages } from './anthropic-agent.model';
import { toOpenAIMessages } from './openai-agent.model';
import { replayableArguments } from './replay-arguments';

const transcript: TranscriptMessage[] = [
  { role: 'user', text: 'What is 2 + 2, and the time?' },
  {
    role: 'assistant',
    text: 'Checking.',
    toolCalls: [
      { id: 'call_1', name: 'calculator', arguments: '{"expression":"2 + 2"}' },
      { id: 'call_2', name: 'current_time', arguments: '{"timeZone": ' },
    ],
  },
  {
    role: 'tool',
    results: [
      { callId: 'call_1', name: 'calculator', ok: true, output: { result: '4' }, durationMs: 1 },
      {
        callId: 'call_2',
        name: 'current_time',
        ok: false,
        error: { code: 'invalid_json', message: 'bad' },
        durationMs: 0,
      },
    ],
  },
  { role: 'assistant', text: 'It is 4.', toolCalls: [] },
  { role: 'user', text: 'Thanks' },
];

describe('replaying a transcript', () => {
  it('as OpenAI messages: tool_calls on the assistant, one tool message per result', () => {
    expect(toOpenAIMessages('Be brief.', transcript)).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is 2 + 2, and the time?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'calculator', arguments: '{"expression":"2 + 2"}' },
          },
          // Arguments that were not JSON go back as `{}`: the result already told the model.
          { id: 'call_2', type: 'function', function: { name: 'current_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"result":"4"}' },
      { role: 'tool', tool_call_id: 'call_2', content: '{"error":{"code":"invalid_json","message":"bad"}}' },
      { role: 'assistant', content: 'It is 4.' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('as Anthropic turns: tool_use blocks, tool_result blocks in a user turn, roles alternating', () => {
    const turns = toAnthropicMessages(transcript);
    expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(turns[1]!.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'calculator', input: { expression: '2 + 2' } },
      { type: 'tool_use', id: 'call_2', name: 'current_time', input: {} },
    ]);
    expect(turns[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'call_1', content: '{"result":"4"}', is_error: false },
      {
        type: 'tool_result',
        tool_use_id: 'call_2',
        content: '{"error":{"code":"invalid_json","message":"bad"}}',
        is_error: true,
      },
    ]);
  });

  it('merges a continued run’s new input into the turn holding the last tool results', () => {
    const continued: TranscriptMessage[] = [
      { role: 'user', text: 'a' },
      { role: 'assistant', text: '', toolCalls: [{ id: 't', name: 'x', arguments: '{}' }] },
      { role: 'tool', results: [{ callId: 't', name: 'x', ok: true, output: 'done', durationMs: 0 }] },
      { role: 'user', text: 'b' },
    ];
    const turns = toAnthropicMessages(continued);
    expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user']);
    expect(turns[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 't', content: 'done', is_error: false },
      { type: 'text', text: 'b' },
    ]);
  });

  it('takes only JSON objects as replayable arguments', () => {
    expect(replayableArguments('{"a":1}')).toEqual({ a: 1 });
    expect(replayableArguments('[1]')).toEqual({});
    expect(replayableArguments('nope')).toEqual({});
  });
});
