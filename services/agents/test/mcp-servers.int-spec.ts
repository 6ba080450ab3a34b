import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Bus } from '@conduit/bus';
import {
  AgentsContract,
  AgentsMcpContract,
  DomainError,
  ErrorCode,
  type McpServer,
} from '@conduit/contracts';
import { freePort, serveOnLoopback, startTestMcpServer, testEnv, type TestMcpServer } from '@conduit/testing';
import type { AgentTool, ToolOutput } from '../src/tools/agent-tool';
import { McpTools } from '../src/mcp/mcp-tools';
import { startAgentsTestApp, type AgentsTestApp } from './support/agents-test-app';

import { toolContext } from './support/tool-context';

const TOKEN = 'mcp-secret-token-4f1c2a9e';
const alice = { userId: 'mcp-alice' };
const bob = { userId: 'mcp-bob' };
const never = new AbortController().signal;

describe('MCP servers: configuration over the bus, tools for agents', () => {
  let service: AgentsTestApp;
  let bus: Bus;
  let mcp: TestMcpServer;
  let pool: Pool;

  beforeAll(async () => {
    mcp = await startTestMcpServer({ token: TOKEN });
    service = await startAgentsTestApp(
      {
        // The test servers are on loopback: allowed here, as an operator allows servers inside a cluster.
        AGENTS_MCP_ALLOWED_ADDRESSES: '127.0.0.1',
        // Long enough for a stdio server to start on a busy machine; the stalling tool's test waits it out.
        AGENTS_MCP_TIMEOUT_MS: '8000',
        AGENTS_MCP_TOOLS_CACHE_MS: '600000',
        AGENTS_MCP_STDIO_SERVERS: JSON.stringify([
          {
            name: 'local',
            command: process.execPath,
            args: [join(__dirname, 'support', 'stdio-mcp-server.cjs')],
          },
          { name: 'broken', command: '/nonexistent/mcp-server' },
        ]),
      },
      'agentsmcp',
      // Runs meter their tool calls: the end-to-end run needs the usage service.
      { withUsage: true },
    );
    bus = service.bus;
    pool = new Pool({
      connectionString: testEnv().databaseUrl,
      options: `-c search_path=${service.config.DATABASE_SCHEMA}`,
    });
  });

  afterAll(async () => {
    await pool?.end();
    await service?.close();
    await mcp?.close();
  });

  const create = (
    caller: typeof alice,
    input: Parameters<typeof bus.request<typeof AgentsMcpContract.createServer>>[1],
  ) => bus.request(AgentsMcpContract.createServer, input, caller);
  const toolsFor = (userId: string, mcpServers: string[]) =>
    service.app.get(McpTools).toolsFor(userId, { tools: [], mcpServers, connectors: [] }, never);
  const run = (tool: AgentTool, args: unknown, userId = alice.userId): Promise<ToolOutput> =>
    tool.run(tool.input.parse(args), toolContext(userId));

  let calc: McpServer;

  it('stores a server with its headers sealed, and never answers their values', async () => {
    calc = await create(alice, { name: 'calc', url: mcp.url, headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(calc).toMatchObject({ name: 'calc', url: mcp.url, enabled: true, headerNames: ['Authorization'] });
    expect(JSON.stringify(calc)).not.toContain(TOKEN);
    const listed = await bus.request(AgentsMcpContract.listServers, {}, alice);
    expect(listed.data.map((s) => s.id)).toEqual([calc.id]);
    expect(JSON.stringify(listed)).not.toContain(TOKEN);
    const fetched = await bus.request(AgentsMcpContract.getServer, { id: calc.id }, alice);
    expect(JSON.stringify(fetched)).not.toContain(TOKEN);

    const { rows } = await pool.query<{ sealed_headers: Buffer }>(
      'SELECT sealed_headers FROM mcp_servers WHERE id = $1',
      [calc.id],
    );
    expect(rows[0]!.sealed_headers.length).toBeGreaterThan(TOKEN.length);
    expect(rows[0]!.sealed_headers.toString('latin1')).not.toContain(TOKEN);
  });

  it('lists the server’s tools under prefixed names, with the token sent', async () => {
    const { tools } = await bus.request(AgentsMcpContract.listServerTools, { id: calc.id }, alice);
    expect(tools.map((t) => t.name).sort()).toEqual([
      'calc__add',
      'calc__fails',
      'calc__stalls',
      expect.stringMatching(/^calc__weather_today_[0-9a-f]{8}$/),
    ]);
    expect(tools.find((t) => t.serverToolName === 'add')).toMatchObject({
      description: 'Adds two numbers',
      inputSchema: expect.objectContaining({ type: 'object', required: ['a', 'b'] }),
    });
    for (const tool of tools) expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });

  it('offers them to an agent as tools and calls them like built-in ones', async () => {
    const tools = await toolsFor(alice.userId, [calc.id]);
    const add = tools.find((t) => t.name === 'calc__add')!;
    await expect(run(add, { a: 2, b: 3 })).resolves.toEqual({ ok: true, output: { text: '5' } });
    const weather = tools.find((t) => t.name.startsWith('calc__weather_today'))!;
    await expect(run(weather, { city: 'Lisbon' })).resolves.toEqual({
      ok: true,
      output: { text: 'Sunny in Lisbon', structured: { city: 'Lisbon', sky: 'sunny' } },
    });
    // Arguments are checked against the tool's JSON schema before they travel.
    expect(add.input.safeParse({ a: 'two', b: 3 }).success).toBe(false);
    expect(add.input.safeParse({ a: 2 }).success).toBe(false);
    // The server's own error is the model's to read.
    await expect(
      run(
        tools.find((t) => t.name === 'calc__fails')!,
        {},
      ),
    ).resolves.toEqual({
      ok: false,
      error: { code: 'MCP_TOOL_ERROR', message: 'the upstream API refused the request' },
    });
    // Arguments the server itself refuses (unchecked here) come back as a tool error too.
    await expect(add.run({ a: 'two' } as never, toolContext(alice.userId))).resolves.toMatchObject({
      ok: false,
      error: { code: 'MCP_TOOL_ERROR' },
    });
  });

  it('lets an agent run call an MCP tool end to end', async () => {
    const agent = await bus.request(
      AgentsContract.createAgent,
      { name: 'mcp agent', mcpServers: [calc.id] },
      alice,
    );
    const streamId = randomUUID();
    const stream = bus.openStream(AgentsContract.runStream, streamId);
    await bus.request(
      AgentsContract.startRun,
      { streamId, agentId: agent.id, input: 'call calc__add {"a": 20, "b": 22}' },
      alice,
    );
    const events = await stream.collect();
    expect(events.find((e) => e.type === 'tool.result')).toMatchObject({
      ok: true,
      output: { text: '42' },
    });
    expect(events[events.length - 1]).toMatchObject({ type: 'done', status: 'succeeded' });
  });

  it('reuses a server’s tool list until the server is changed', async () => {
    const before = mcp.listings();
    await toolsFor(alice.userId, [calc.id]);
    await toolsFor(alice.userId, [calc.id]);
    expect(mcp.listings()).toBe(before);
    await bus.request(AgentsMcpContract.updateServer, { id: calc.id, enabled: true }, alice);
    await toolsFor(alice.userId, [calc.id]);
    expect(mcp.listings()).toBe(before + 1);
  });

  it('ends a tool call that takes too long with TIMEOUT', async () => {
    const stalls = (await toolsFor(alice.userId, [calc.id])).find((t) => t.name === 'calc__stalls')!;
    await expect(run(stalls, {})).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });

  it('gives a disabled server’s tools to nobody', async () => {
    const off = await create(alice, {
      name: 'calc-off',
      url: mcp.url,
      headers: { Authorization: `Bearer ${TOKEN}` },
      enabled: false,
    });
    await expect(toolsFor(alice.userId, [off.id])).resolves.toEqual([]);
  });

  it('says clearly why a server cannot be used: wrong token, nothing listening, refused address', async () => {
    const wrongToken = await create(alice, {
      name: 'wrong-token',
      url: mcp.url,
      headers: { Authorization: 'Bearer nope' },
    });
    const refused = bus.request(AgentsMcpContract.listServerTools, { id: wrongToken.id }, alice);
    await expect(refused).rejects.toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      message: expect.stringContaining('wrong-token'),
    });

    const dead = await create(alice, { name: 'dead', url: `http://127.0.0.1:${await freePort()}/mcp` });
    await expect(
      bus.request(AgentsMcpContract.listServerTools, { id: dead.id }, alice),
    ).rejects.toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      details: { reason: 'MCP_SERVER_UNAVAILABLE' },
    });

    for (const url of [
      'http://127.0.0.2/mcp',
      'http://10.0.0.1/mcp',
      'http://169.254.169.254/mcp',
      'http://[::1]/mcp',
    ]) {
      const server = await create(alice, { name: `blocked-${randomUUID().slice(0, 8)}`, url });
      await expect(
        bus.request(AgentsMcpContract.listServerTools, { id: server.id }, alice),
      ).rejects.toMatchObject({
        code: ErrorCode.ServiceUnavailable,
        details: { reason: 'ADDRESS_REFUSED' },
      });
    }

    // A run naming a dead server still gets the tools of the others.
    const tools = await toolsFor(alice.userId, [dead.id, calc.id, wrongToken.id]);
    expect(tools.map((t) => t.name)).toContain('calc__add');
    expect(tools.every((t) => t.name.startsWith('calc__'))).toBe(true);
  });

  it('does not follow a redirect elsewhere (the SDK keeps redirects within the origin)', async () => {
    const redirecting = await serveOnLoopback(async (_req, res) => {
      res.statusCode = 307;
      res.setHeader('location', 'http://169.254.169.254/mcp');
      res.end();
    });
    try {
      const server = await create(alice, { name: 'redirects', url: `${redirecting.url}/mcp` });
      await expect(
        bus.request(AgentsMcpContract.listServerTools, { id: server.id }, alice),
      ).rejects.toMatchObject({
        code: ErrorCode.ServiceUnavailable,
        message: expect.stringMatching(/redirect/i),
      });
    } finally {
      await redirecting.close();
    }
  });

  it('does not ask a server that just failed again for every run, but the check does', async () => {
    let requests = 0;
    const failing = await serveOnLoopback(async (_req, res) => {
      requests += 1;
      res.statusCode = 500;
      res.end('down for maintenance');
    });
    try {
      const server = await create(alice, { name: 'flaky', url: `${failing.url}/mcp` });
      await expect(toolsFor(alice.userId, [server.id])).resolves.toEqual([]);
      const afterFirst = requests;
      expect(afterFirst).toBeGreaterThan(0);
      await expect(toolsFor(alice.userId, [server.id])).resolves.toEqual([]);
      expect(requests).toBe(afterFirst);
      await expect(
        bus.request(AgentsMcpContract.listServerTools, { id: server.id }, alice),
      ).rejects.toMatchObject({ code: ErrorCode.ServiceUnavailable });
      expect(requests).toBeGreaterThan(afterFirst);
    } finally {
      await failing.close();
    }
  });

  it('answers a tool of a server that went away since it was listed with a clear error', async () => {
    const brief = await startTestMcpServer();
    const server = await create(alice, { name: 'brief', url: brief.url });
    const [tool] = (await toolsFor(alice.userId, [server.id])).filter((t) => t.name === 'brief__add');
    await brief.close();
    await expect(run(tool!, { a: 1, b: 1 })).resolves.toMatchObject({
      ok: false,
      error: { code: 'MCP_SERVER_UNAVAILABLE', message: expect.stringContaining('"brief"') },
    });
  });

  it('offers the operator’s stdio servers to every user’s agents, and starts one again after it exits', async () => {
    const shoutOf = async (userId: string) => {
      const tools = await toolsFor(userId, ['stdio:local', 'stdio:broken', 'stdio:unknown']);
      expect(tools.map((t) => t.name).sort()).toEqual(['local__exit', 'local__shout']);
      return tools;
    };
    const aliceTools = await shoutOf(alice.userId);
    const shout = aliceTools.find((t) => t.name === 'local__shout')!;
    const first = await run(shout, { text: 'hello' });
    expect(first).toMatchObject({ ok: true, output: { text: expect.stringMatching(/^HELLO \(pid \d+\)$/) } });
    expect(shout.input.safeParse({ text: 3 }).success).toBe(false);
    const bobTools = await shoutOf(bob.userId);
    await expect(
      run(
        bobTools.find((t) => t.name === 'local__shout')!,
        { text: 'hi' },
        bob.userId,
      ),
    ).resolves.toMatchObject({ ok: true });

    const exited = await run(
      aliceTools.find((t) => t.name === 'local__exit')!,
      {},
    );
    expect(exited).toMatchObject({ ok: false, error: { code: 'MCP_SERVER_UNAVAILABLE' } });
    const again = await run(shout, { text: 'again' });
    expect(again).toMatchObject({ ok: true, output: { text: expect.stringMatching(/^AGAIN /) } });
    const pidOf = (output: ToolOutput) =>
      (output as { output: { text: string } }).output.text.match(/pid (\d+)/)![1];
    expect(pidOf(again)).not.toBe(pidOf(first));
  });

  it('keeps one user’s servers and secrets from another', async () => {
    expect((await bus.request(AgentsMcpContract.listServers, {}, bob)).data).toEqual([]);
    for (const request of [
      bus.request(AgentsMcpContract.getServer, { id: calc.id }, bob),
      bus.request(AgentsMcpContract.updateServer, { id: calc.id, url: 'https://evil.example/mcp' }, bob),
      bus.request(AgentsMcpContract.listServerTools, { id: calc.id }, bob),
      bus.request(AgentsMcpContract.deleteServer, { id: calc.id }, bob),
    ]) {
      await expect(request).rejects.toMatchObject({ code: ErrorCode.NotFound });
    }
    await expect(toolsFor(bob.userId, [calc.id])).resolves.toEqual([]);
    // Bob may use the same name for his own.
    await expect(create(bob, { name: 'calc', url: mcp.url })).resolves.toMatchObject({ name: 'calc' });
    // Alice's is unchanged.
    await expect(bus.request(AgentsMcpContract.getServer, { id: calc.id }, alice)).resolves.toMatchObject({
      url: mcp.url,
    });
  });

  it('updates and deletes a server', async () => {
    const server = await create(alice, {
      name: 'temp',
      url: mcp.url,
      headers: { 'X-Api-Key': 'k1', Authorization: 'Bearer x' },
    });
    const renamed = await bus.request(
      AgentsMcpContract.updateServer,
      { id: server.id, name: 'temp-2', headers: { Authorization: `Bearer ${TOKEN}` } },
      alice,
    );
    expect(renamed).toMatchObject({ name: 'temp-2', headerNames: ['Authorization'] });
    const { tools } = await bus.request(AgentsMcpContract.listServerTools, { id: server.id }, alice);
    expect(tools.map((t) => t.name)).toContain('temp-2__add');
    await expect(
      bus.request(AgentsMcpContract.updateServer, { id: server.id, name: 'calc' }, alice),
    ).rejects.toMatchObject({ code: ErrorCode.Conflict });
    await expect(bus.request(AgentsMcpContract.deleteServer, { id: server.id }, alice)).resolves.toEqual({
      deleted: true,
    });
    await expect(bus.request(AgentsMcpContract.getServer, { id: server.id }, alice)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
  });

  it('refuses a second server of the same name', async () => {
    await expect(create(alice, { name: 'calc', url: mcp.url })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
  });

  it('answers bad input with VALIDATION_FAILED and keeps serving', async () => {
    const bad: unknown[] = [
      {},
      { name: 'Bad Name', url: mcp.url },
      { name: 'x'.repeat(25), url: mcp.url },
      { name: 'ok', url: 'ftp://example.com/mcp' },
      { name: 'ok', url: 'not a url' },
      { name: 'ok', url: 'https://user:pass@example.com/mcp' },
      { name: 'ok', url: mcp.url, headers: { Host: 'example.com' } },
      { name: 'ok', url: mcp.url, headers: { 'Mcp-Session-Id': 'x' } },
      { name: 'ok', url: mcp.url, headers: { 'Bad Header': 'x' } },
      { name: 'ok', url: mcp.url, headers: { 'X-Key': 'a\r\nInjected: yes' } },
      { name: 'ok', url: mcp.url, extra: true },
    ];
    for (const input of bad) {
      const answer = bus.request(AgentsMcpContract.createServer, input as never, alice);
      await expect(answer).rejects.toBeInstanceOf(DomainError);
      await expect(answer).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    }
    for (const [def, input] of [
      [AgentsMcpContract.getServer, { id: 'not-a-uuid' }],
      [AgentsMcpContract.updateServer, { id: calc.id, url: 'file:///etc/passwd' }],
      [AgentsMcpContract.deleteServer, {}],
      [AgentsMcpContract.listServerTools, { id: 42 }],
    ] as const) {
      await expect(bus.request(def, input as never, alice)).rejects.toMatchObject({
        code: ErrorCode.ValidationFailed,
      });
    }
    await expect(bus.request(AgentsMcpContract.listServers, {}, alice)).resolves.toBeDefined();
  });
});
