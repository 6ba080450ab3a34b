import { z } from 'zod';
import type { AgentTool } from '../tools/agent-tool';
import { executeToolCall } from './tool-executor';

const echo: AgentTool<{ text: string }> = {
  name: 'echo',
  description: 'echoes',
  input: z.strictObject({ text: z.string() }),
  run: ({ text }) => Promise.resolve({ ok: true, output: text }),
};
const hang: AgentTool<Record<string, never>> = {
  name: 'hang',
  description: 'never answers',
  input: z.strictObject({}),
  run: () => new Promise(() => undefined),
};
const broken: AgentTool<Record<string, never>> = {
  name: 'broken',
  description: 'throws',
  input: z.strictObject({}),
  run: () => Promise.reject(new Error('boom')),
};
const tools = new Map<string, AgentTool>(
  [echo, hang, broken].map((tool) => [tool.name, tool as unknown as AgentTool]),
);
const context = (signal = new AbortController().signal, timeoutMs = 5_000) => ({
  userId: 'u',
  agentId: 'a',
  runId: 'r',
  signal,
  timeoutMs,
});
const call = (name: string, args: string) => ({ id: 'c1', name, arguments: args });

describe('executeToolCall', () => {
  it('runs a tool with arguments that fit its schema', async () => {
    await expect(executeToolCall(call('echo', '{"text":"hi"}'), tools, context())).resolves.toMatchObject({
      callId: 'c1',
      ok: true,
      output: 'hi',
    });
  });

  it.each([
    ['unknown_tool', call('nope', '{}')],
    ['invalid_json', call('echo', '{"text":')],
    ['invalid_arguments', call('echo', '{"text":1}')],
    ['tool_failed', call('broken', '{}')],
  ])('answers %s as an error result', async (code, toolCall) => {
    await expect(executeToolCall(toolCall, tools, context())).resolves.toMatchObject({
      ok: false,
      error: { code },
    });
  });

  it('gives up on a tool past its time limit, and on one whose run was stopped', async () => {
    await expect(executeToolCall(call('hang', '{}'), tools, context(undefined, 20))).resolves.toMatchObject({
      ok: false,
      error: { code: 'timeout' },
    });
    const stopped = new AbortController();
    const pending = executeToolCall(call('hang', '{}'), tools, context(stopped.signal));
    stopped.abort();
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });
});
