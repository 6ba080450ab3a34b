import { Bus } from '@conduit/bus';
import {
  AGENT_LIMIT_BOUNDS,
  AgentsContract,
  DEFAULT_AGENT_LIMITS,
  DomainError,
  ErrorCode,
  OFFLINE_AGENT_MODEL,
} from '@conduit/contracts';
import { startAgentsTestApp, type AgentsTestApp } from './support/agents-test-app';

describe('agents service on the bus', () => {
  let service: AgentsTestApp;
  let bus: Bus;
  const alice = { userId: 'user-alice' };
  const bob = { userId: 'user-bob' };

  beforeAll(async () => {
    service = await startAgentsTestApp();
    bus = service.bus;
  });

  afterAll(async () => {
    await service?.close();
  });

  it('answers its health check over NATS', async () => {
    await expect(bus.request(AgentsContract.checkHealth, {}, alice)).resolves.toEqual({
      service: 'agents',
      status: 'ok',
    });
  });

  it('answers bad input with a typed validation error and keeps serving', async () => {
    const bad = bus.request(AgentsContract.checkHealth, { unexpected: true } as never, alice);
    await expect(bad).rejects.toBeInstanceOf(DomainError);
    await expect(bad).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(bus.request(AgentsContract.checkHealth, {}, alice)).resolves.toMatchObject({
      status: 'ok',
    });
  });

  it('is alive and ready over HTTP', async () => {
    expect((await fetch(`${service.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${service.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { nats: 'ok', postgres: 'ok' },
    });
  });

  it('creates an agent with defaults, reads, updates (limits merged) and deletes it', async () => {
    const created = await bus.request(AgentsContract.createAgent, { name: 'Helper' }, alice);
    expect(created).toMatchObject({
      name: 'Helper',
      description: '',
      instructions: '',
      model: OFFLINE_AGENT_MODEL,
      tools: [],
      mcpServers: [],
      connectors: [],
      limits: DEFAULT_AGENT_LIMITS,
    });
    await expect(bus.request(AgentsContract.getAgent, { agentId: created.id }, alice)).resolves.toEqual(
      created,
    );
    const updated = await bus.request(
      AgentsContract.updateAgent,
      {
        agentId: created.id,
        update: { instructions: 'Be brief.', tools: ['calculator'], limits: { maxSteps: 3 } },
      },
      alice,
    );
    expect(updated).toMatchObject({
      name: 'Helper',
      instructions: 'Be brief.',
      tools: ['calculator'],
      limits: { ...DEFAULT_AGENT_LIMITS, maxSteps: 3 },
    });
    await expect(bus.request(AgentsContract.deleteAgent, { agentId: created.id }, alice)).resolves.toEqual({
      agentId: created.id,
      deleted: true,
    });
    await expect(bus.request(AgentsContract.getAgent, { agentId: created.id }, alice)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
  });

  it('pages through a user’s agents, newest first, and never shows another user’s', async () => {
    const carol = { userId: 'user-carol' };
    const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
    for (const name of names) await bus.request(AgentsContract.createAgent, { name }, carol);
    await bus.request(AgentsContract.createAgent, { name: 'not carol’s' }, bob);
    const first = await bus.request(AgentsContract.listAgents, { limit: 2 }, carol);
    expect(first.data.map((a) => a.name)).toEqual(['a5', 'a4']);
    const second = await bus.request(
      AgentsContract.listAgents,
      { limit: 2, cursor: first.nextCursor! },
      carol,
    );
    expect(second.data.map((a) => a.name)).toEqual(['a3', 'a2']);
    const third = await bus.request(
      AgentsContract.listAgents,
      { limit: 2, cursor: second.nextCursor! },
      carol,
    );
    expect(third).toMatchObject({ data: [{ name: 'a1' }], nextCursor: null });
    await expect(
      bus.request(AgentsContract.listAgents, { cursor: 'bm90LWEtY3Vyc29y' }, carol),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });

  it('keeps users apart: another user’s agent is not found for get, update and delete', async () => {
    const agent = await bus.request(AgentsContract.createAgent, { name: 'Private' }, alice);
    for (const request of [
      bus.request(AgentsContract.getAgent, { agentId: agent.id }, bob),
      bus.request(AgentsContract.updateAgent, { agentId: agent.id, update: { name: 'Mine' } }, bob),
      bus.request(AgentsContract.deleteAgent, { agentId: agent.id }, bob),
    ]) {
      await expect(request).rejects.toMatchObject({ code: ErrorCode.NotFound });
    }
    await expect(bus.request(AgentsContract.getAgent, { agentId: agent.id }, alice)).resolves.toMatchObject({
      name: 'Private',
    });
  });

  it('refuses bad definitions with typed errors', async () => {
    const refused = async (request: Promise<unknown>, code: string) =>
      expect(request).rejects.toMatchObject({ code });
    await refused(bus.request(AgentsContract.createAgent, { name: '  ' }, alice), ErrorCode.ValidationFailed);
    await refused(
      bus.request(AgentsContract.createAgent, { name: 'x', model: 'nope/thing' }, alice),
      ErrorCode.UnknownModel,
    );
    await refused(
      bus.request(AgentsContract.createAgent, { name: 'x', model: 'offline/other' }, alice),
      ErrorCode.UnknownModel,
    );
    await refused(
      bus.request(
        AgentsContract.createAgent,
        { name: 'x', limits: { maxSteps: AGENT_LIMIT_BOUNDS.maxSteps.max + 1 } },
        alice,
      ),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsContract.createAgent, { name: 'x', tools: ['bad name!'] }, alice),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsContract.createAgent, { name: 'x', tools: ['a', 'a'] }, alice),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsContract.createAgent, { name: 'x', extra: 1 } as never, alice),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsContract.updateAgent, { agentId: crypto.randomUUID(), update: {} }, alice),
      ErrorCode.ValidationFailed,
    );
    await refused(
      bus.request(AgentsContract.getAgent, { agentId: 'not-a-uuid' }, alice),
      ErrorCode.ValidationFailed,
    );
    await refused(bus.request(AgentsContract.listAgents, { limit: 1000 }, alice), ErrorCode.ValidationFailed);
    await refused(
      bus.request(AgentsContract.getAgent, { agentId: crypto.randomUUID() }, alice),
      ErrorCode.NotFound,
    );
    await refused(bus.request(AgentsContract.listAgents, {}, { userId: null }), ErrorCode.Unauthenticated);
  });
});
