import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { ErrorCode, SearchContract } from '@conduit/contracts';
import { testEnv, waitFor } from '@conduit/testing';
import type { AgentsConfig } from '../src/config';
import type { AgentTool, ToolOutput } from '../src/tools/agent-tool';
import { BuiltInTools, builtInTools } from '../src/tools/built-in-tools';
import { startAgentsTestApp, type AgentsTestApp } from './support/agents-test-app';
import { startPeerService, type PeerService } from './support/peer-services';
import { toolContext } from './support/tool-context';

const alice = 'tools-alice';
const bob = 'tools-bob';
const MEDIA_URL_SECRET = 'agents-tools-media-secret-0123456789abcdefghij';

describe('built-in tools against the real services', () => {
  let service: AgentsTestApp;
  let app: NestFastifyApplication;
  let config: AgentsConfig;
  let namespace: AgentsTestApp['namespace'];
  let tools: Map<string, AgentTool>;
  const peers: PeerService[] = [];

  beforeAll(async () => {
    service = await startAgentsTestApp(
      { AGENTS_TOOL_TIMEOUT_MS: '10000', AGENTS_IMAGE_TIMEOUT_MS: '60000' },
      'agentstools',
    );
    ({ app, config, namespace } = service);
    const started = await Promise.allSettled([
      startPeerService('search', namespace, (dir) => ({
        SEARCH_STORE: 'lancedb',
        SEARCH_LANCEDB_PATH: `${dir}/lancedb`,
        SEARCH_INDEX_RETRY_BASE_MS: '200',
        SEARCH_INDEX_ACK_WAIT_MS: '5000',
      })),
      startPeerService('health-data', namespace, () => ({
        HEALTH_IMPORTER_ENABLED: 'false',
        HEALTH_MASTER_KEY: randomBytes(32).toString('base64'),
      })),
      startPeerService('usage', namespace),
      startPeerService('media-gen', namespace, (dir) => ({
        MEDIA_STORAGE_DIR: dir,
        MEDIA_URL_SECRET,
        MEDIA_JOB_RETRY_BASE_MS: '100',
        MEDIA_JOB_ACK_WAIT_MS: '5000',
        MEDIA_WATCH_POLL_MS: '1000',
        STREAM_HEARTBEAT_MS: '500',
      })),
    ]);
    for (const result of started) if (result.status === 'fulfilled') peers.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const source = app.get(BuiltInTools);
    const all = await source.toolsFor(
      alice,
      { tools: source.names, mcpServers: [], connectors: [] },
      new AbortController().signal,
    );
    tools = new Map(all.map((tool) => [tool.name, tool]));
  });

  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close()));
    await service?.close();
  });

  /** Parses the arguments as the run does, then calls the tool. */
  async function call(name: string, args: unknown, userId = alice): Promise<ToolOutput> {
    const tool = tools.get(name);
    if (!tool) throw new Error(`no tool ${name}`);
    return tool.run(tool.input.parse(args), toolContext(userId));
  }

  it('offers the built-in tools an agent names, and http_fetch only when enabled', async () => {
    const source = app.get(BuiltInTools);
    expect([...source.names].sort()).toEqual([
      'generate_image',
      'health_summary',
      'place_call',
      'remember',
      'search_documents',
    ]);
    const some = await source.toolsFor(
      alice,
      { tools: ['search_documents', 'http_fetch', 'no_such_tool'], mcpServers: [], connectors: [] },
      new AbortController().signal,
    );
    expect(some.map((tool) => tool.name)).toEqual(['search_documents']);
    for (const tool of tools.values()) expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });

  it('remembers a note and finds it again with search_documents; another user does not', async () => {
    const remembered = await call('remember', {
      title: 'Spare key',
      text: 'The spare key to the garden shed is under the blue flowerpot by the door.',
      tags: ['home'],
    });
    expect(remembered).toMatchObject({
      ok: true,
      output: { remembered: true, collection: config.AGENTS_NOTES_COLLECTION },
    });
    // A second note goes into the collection created by the first.
    await expect(call('remember', { text: 'Bins go out on Tuesday evenings.' })).resolves.toMatchObject({
      ok: true,
    });

    let found: ToolOutput | undefined;
    await waitFor(
      async () => {
        found = await call('search_documents', { query: 'blue flowerpot spare key' });
        return found.ok && (found.output as { results: unknown[] }).results.length > 0;
      },
      () => `the note to be found: ${JSON.stringify(found)}`,
    );
    const [best] = (found as { output: { results: unknown[] } }).output.results;
    expect(best).toMatchObject({ title: 'Spare key', collection: 'agent-notes' });

    const bobs = await call('search_documents', { query: 'blue flowerpot spare key' }, bob);
    expect(bobs).toEqual({ ok: true, output: { results: [] } });
  });

  it('keeps one note for a remember call repeated by a retried step, and a new one for another call', async () => {
    const context = toolContext(alice);
    const note = { text: `The boiler service is booked for ${context.callId}.` };
    const run = (ctx = context) => tools.get('remember')!.run(note, ctx);
    const first = await run();
    const [again, concurrent] = await Promise.all([run(), run()]);
    expect(first).toMatchObject({ ok: true, output: { remembered: true } });
    const documentId = (first as { output: { documentId: string } }).output.documentId;
    expect(again).toMatchObject({ ok: true, output: { documentId } });
    expect(concurrent).toMatchObject({ ok: true, output: { documentId } });
    const other = await run({ ...context, callId: `${context.callId}-next` });
    expect((other as { output: { documentId: string } }).output.documentId).not.toBe(documentId);
    // The same call id in a run of another user is that user's own note.
    const bobs = await run({ ...toolContext(bob), runId: context.runId, callId: context.callId });
    expect((bobs as { output: { documentId: string } }).output.documentId).not.toBe(documentId);
  });

  it('answers a search in an unknown collection with the search service’s NOT_FOUND', async () => {
    await expect(call('search_documents', { query: 'anything', collection: 'nope' })).resolves.toMatchObject({
      ok: false,
      error: { code: ErrorCode.NotFound },
    });
  });

  it('generates an image through a media-gen job and answers its result URLs', async () => {
    const result = await call('generate_image', { prompt: 'a lighthouse at dusk', size: '256x256' });
    expect(result).toMatchObject({
      ok: true,
      output: {
        jobId: expect.any(String),
        images: [expect.objectContaining({ url: expect.stringContaining('/api/v1/media/files/') })],
      },
    });
  });

  it('reads the health overview and a metric series from health-data', async () => {
    const overview = await call('health_summary', { date: '2026-11-30' });
    expect(overview).toMatchObject({ ok: true, output: { date: '2026-11-30', bloodMarkers: [] } });
    const series = await call('health_summary', { metric: 'steps', days: 7, date: '2026-11-30' });
    expect(series).toMatchObject({ ok: true, output: { metric: 'steps', resolution: 'daily' } });
    const unknown = await call('health_summary', { metric: 'no_such_metric' });
    expect(unknown).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
  });

  it('refuses bad arguments to every tool before it runs', () => {
    const bad: Record<string, unknown[]> = {
      search_documents: [{}, { query: '   ' }, { query: 'x', limit: 0 }, { query: 'x', extra: 1 }],
      remember: [{}, { text: '' }, { text: 'x', tags: [''] }, { text: 42 }],
      generate_image: [{}, { prompt: 'x', count: 5 }, { prompt: 'x', size: '3x3' }],
      health_summary: [{ metric: 'Not A Metric!' }, { days: 0 }, { date: 'yesterday' }],
    };
    for (const [name, inputs] of Object.entries(bad)) {
      for (const input of inputs) expect(tools.get(name)!.input.safeParse(input).success).toBe(false);
    }
  });

  describe('when the service asked is down', () => {
    let bus: Bus;

    beforeAll(async () => {
      bus = await Bus.connect({
        url: testEnv().natsUrl,
        name: 'agents-tools-test',
        subjectPrefix: `${namespace.subjectPrefix}nobody.`,
        logger: { warn: () => undefined, error: () => undefined },
      });
    });
    afterAll(() => bus.close());

    it('answers SERVICE_UNAVAILABLE at once when nothing listens', async () => {
      const [search] = builtInTools(bus, config);
      const result = await search!.run(search!.input.parse({ query: 'x' }), toolContext(alice));
      expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.ServiceUnavailable } });
    });

    it('times out cleanly when the service takes the request and never answers', async () => {
      const silent = bus.connection.subscribe(bus.subject(SearchContract.query.subject), {
        callback: () => undefined,
      });
      try {
        const [search, , , health] = builtInTools(bus, { ...config, AGENTS_TOOL_TIMEOUT_MS: 300 });
        const result = await search!.run(search!.input.parse({ query: 'x' }), toolContext(alice));
        expect(result).toEqual({
          ok: false,
          error: { code: ErrorCode.Timeout, message: 'The search service did not answer in time' },
        });
        // Another tool of the same process still works (its own service is simply not there).
        const other = await health!.run(health!.input.parse({}), toolContext(alice));
        expect(other).toMatchObject({ ok: false, error: { code: ErrorCode.ServiceUnavailable } });
      } finally {
        silent.unsubscribe();
      }
    });

    it('stops waiting when the run is cancelled', async () => {
      const silent = bus.connection.subscribe(bus.subject(SearchContract.query.subject), {
        callback: () => undefined,
      });
      try {
        const [search] = builtInTools(bus, config);
        const stop = new AbortController();
        const pending = search!.run(search!.input.parse({ query: 'x' }), toolContext(alice, stop.signal));
        stop.abort();
        await expect(pending).resolves.toMatchObject({ ok: false, error: { code: ErrorCode.Cancelled } });
      } finally {
        silent.unsubscribe();
      }
    });
  });
});
