import { AgentsContract, AgentsToolsContract, ErrorCode, UsageContract } from '@conduit/contracts';
import { waitFor } from '@conduit/testing';
import { startAgentsTestApp, type AgentsTestApp } from './support/agents-test-app';

/** An agent's tools asked for and called from outside a run (a realtime voice model), over the real bus. */
describe('agent tools for models other services hold', () => {
  let service: AgentsTestApp;
  const alice = { userId: `user-alice-${crypto.randomUUID()}` };
  const bob = { userId: `user-bob-${crypto.randomUUID()}` };

  beforeAll(async () => {
    service = await startAgentsTestApp({}, 'agent-tool-calls', { withUsage: true });
  });
  afterAll(async () => {
    await service?.close();
  });

  const createAgent = (tools: string[], owner = alice) =>
    service.bus.request(
      AgentsContract.createAgent,
      { name: 'voice helper', instructions: 'Be brief.', tools },
      owner,
    );
  const runCall = (agentId: string, name: string, args: string, owner = alice) =>
    service.bus.request(
      AgentsToolsContract.runToolCall,
      {
        agentId,
        call: { id: `call-${crypto.randomUUID()}`, name, arguments: args },
        reference: 'voice/turn-1',
      },
      owner,
    );

  it("lists the agent's tools as JSON schema, with its instructions", async () => {
    const agent = await createAgent(['calculator', 'current_time']);
    const listed = await service.bus.request(AgentsToolsContract.listTools, { agentId: agent.id }, alice);
    expect(listed.instructions).toBe('Be brief.');
    expect(listed.tools.map((t) => t.name)).toEqual(['calculator', 'current_time']);
    expect(listed.tools[0]).toMatchObject({
      description: expect.any(String),
      parameters: { type: 'object', properties: { expression: { type: 'string' } } },
    });
  });

  it('runs a call and meters it for the caller; faults of the call are failed results', async () => {
    const agent = await createAgent(['calculator']);
    expect(await runCall(agent.id, 'calculator', '{"expression": "6 * 7"}')).toMatchObject({
      name: 'calculator',
      ok: true,
      output: { result: '42' },
      durationMs: expect.any(Number),
    });
    expect(await runCall(agent.id, 'current_time', '{}')).toMatchObject({
      ok: false,
      error: { code: 'unknown_tool', message: expect.stringContaining('Tools: calculator') },
    });
    expect(await runCall(agent.id, 'calculator', '{"expression": ')).toMatchObject({
      ok: false,
      error: { code: 'invalid_json' },
    });
    expect(await runCall(agent.id, 'calculator', '{"expr": "1"}')).toMatchObject({
      ok: false,
      error: { code: 'invalid_arguments' },
    });
    const summary = () =>
      service.bus.request(
        UsageContract.summarizeUsage,
        {
          from: new Date(Date.now() - 3_600_000).toISOString(),
          to: new Date(Date.now() + 60_000).toISOString(),
          groupBy: ['model'],
        },
        alice,
      );
    await waitFor(async () => (await summary()).totals.requests === 4, 'four tool calls in the ledger');
    expect((await summary()).byModel?.map((m: { model: string }) => m.model).sort()).toEqual([
      'tool/calculator',
      'tool/current_time',
    ]);
  });

  it("answers NOT_FOUND for another user's agent, and VALIDATION_FAILED for a malformed request", async () => {
    const agent = await createAgent(['calculator']);
    await expect(
      service.bus.request(AgentsToolsContract.listTools, { agentId: agent.id }, bob),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(runCall(agent.id, 'calculator', '{"expression": "1 + 1"}', bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(
      service.bus.request(
        AgentsToolsContract.runToolCall,
        { agentId: agent.id, call: { id: '', name: 'calculator', arguments: '{}' }, reference: 'x' },
        alice,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});
