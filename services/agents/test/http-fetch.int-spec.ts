import type { LookupAddress } from 'node:dns';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { serveOnLoopback, type LoopbackHttpServer } from '@conduit/testing';
import type { AgentsConfig } from '../src/config';
import { systemResolver, type HostResolver } from '../src/outbound/guarded-dispatcher';
import type { AgentTool, ToolOutput } from '../src/tools/agent-tool';
import { BuiltInTools, builtInTools } from '../src/tools/built-in-tools';
import { startAgentsTestApp, type AgentsTestApp } from './support/agents-test-app';
import { toolContext } from './support/tool-context';

/**
 * http_fetch against servers on this machine. Every address here is loopback, so the one "public"
 * target is made honestly: it listens on 127.0.0.2, which the test's config allows through
 * AGENTS_HTTP_FETCH_ALLOWED_ADDRESSES (the operator's list of non-public addresses that may be reached),
 * and made-up host names resolve through a resolver the test injects. The server on 127.0.0.1 stands
 * for what must never be reached: it counts every request it gets.
 */
describe('http_fetch', () => {
  let service: AgentsTestApp;
  let app: NestFastifyApplication;
  let config: AgentsConfig;
  let bus: Bus;
  let fetchTool: AgentTool;
  let allowed: LoopbackHttpServer;
  let forbidden: LoopbackHttpServer;
  let forbiddenHits = 0;

  const names: Record<string, LookupAddress[]> = {
    'public.example.test': [{ address: '127.0.0.2', family: 4 }],
    'private.example.test': [{ address: '10.0.0.1', family: 4 }],
    'metadata.example.test': [{ address: '169.254.169.254', family: 4 }],
    'loopback6.example.test': [{ address: '::1', family: 6 }],
    // One allowed address and one loopback one: the whole name is refused.
    'rebinding.example.test': [
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ],
  };
  const resolve: HostResolver = (hostname) =>
    names[hostname] ? Promise.resolve(names[hostname]) : systemResolver(hostname);

  beforeAll(async () => {
    forbidden = await serveOnLoopback(async (_req, res) => {
      forbiddenHits += 1;
      res.end('internal secret');
    });
    const forbiddenPort = new URL(forbidden.url).port;
    allowed = await serveOnLoopback(
      async (req, res) => {
        const path = req.url ?? '/';
        const redirect = (to: string) => {
          res.statusCode = 302;
          res.setHeader('location', to);
          res.end();
        };
        if (path === '/page') {
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end('<html><body><h1>Tide tables</h1><p>High water at 14:05.</p></body></html>');
        } else if (path === '/json') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ temperature: 12 }));
        } else if (path === '/big') {
          res.setHeader('content-type', 'text/plain');
          res.end('x'.repeat(300_000));
        } else if (path === '/image') {
          res.setHeader('content-type', 'image/png');
          res.end(Buffer.alloc(100));
        } else if (path === '/slow') {
          // Never answers: the fetch's deadline ends it.
        } else if (path === '/hop') redirect('/page');
        else if (path === '/to-loopback') redirect(`http://127.0.0.1:${forbiddenPort}/`);
        else if (path === '/to-localhost') redirect(`http://localhost:${forbiddenPort}/`);
        else if (path === '/to-metadata') redirect('http://169.254.169.254/latest/meta-data/');
        else if (path === '/to-file') redirect('file:///etc/passwd');
        else if (path === '/loop') redirect('/loop');
        else {
          res.statusCode = 404;
          res.end('not here');
        }
      },
      { host: '127.0.0.2' },
    );
    service = await startAgentsTestApp(
      {
        AGENTS_HTTP_FETCH_ENABLED: 'true',
        // Long enough for a busy machine's loopback fetches; the stalling server's test waits it out.
        AGENTS_HTTP_FETCH_TIMEOUT_MS: '5000',
        AGENTS_HTTP_FETCH_MAX_BYTES: '100000',
        AGENTS_HTTP_FETCH_MAX_REDIRECTS: '3',
        AGENTS_HTTP_FETCH_ALLOWED_ADDRESSES: '127.0.0.2',
      },
      'agentsfetch',
    );
    ({ app, config, bus } = service);
    const tool = builtInTools(bus, config, { resolve }).find((t) => t.name === 'http_fetch');
    if (!tool) throw new Error('http_fetch is missing');
    fetchTool = tool;
  });

  afterAll(async () => {
    await service?.close();
    await allowed?.close();
    await forbidden?.close();
  });

  const port = () => new URL(allowed.url).port;
  const fetchUrl = (url: string): Promise<ToolOutput> =>
    fetchTool.run(fetchTool.input.parse({ url }), toolContext('fetch-user'));

  it('is offered once enabled', () => {
    expect(app.get(BuiltInTools).names).toContain('http_fetch');
  });

  it('fetches an allowed address by name and gives HTML back as text', async () => {
    const result = await fetchUrl(`http://public.example.test:${port()}/page`);
    expect(result).toMatchObject({
      ok: true,
      output: { status: 200, contentType: 'text/html; charset=utf-8', truncated: false },
    });
    const text = (result as { output: { text: string } }).output.text;
    expect(text).toContain('High water at 14:05.');
    expect(text).not.toContain('<p>');
  });

  it('follows a redirect to an allowed page, and answers JSON, 404s and binary bodies as they are', async () => {
    await expect(fetchUrl(`http://public.example.test:${port()}/hop`)).resolves.toMatchObject({
      ok: true,
      output: { url: `http://public.example.test:${port()}/page`, status: 200 },
    });
    await expect(fetchUrl(`${allowed.url}/json`)).resolves.toMatchObject({
      ok: true,
      output: { text: '{"temperature":12}' },
    });
    await expect(fetchUrl(`${allowed.url}/missing`)).resolves.toMatchObject({
      ok: true,
      output: { status: 404 },
    });
    await expect(fetchUrl(`${allowed.url}/image`)).resolves.toMatchObject({
      ok: true,
      output: { contentType: 'image/png', text: null, bytes: 100 },
    });
  });

  it.each([
    ['loopback by address', () => `http://127.0.0.1:${new URL(forbidden.url).port}/`],
    ['a private address', () => 'http://10.0.0.1/'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', () => `http://[::1]:${new URL(forbidden.url).port}/`],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${new URL(forbidden.url).port}/`],
    ['localhost', () => `http://localhost:${new URL(forbidden.url).port}/`],
    ['a name resolving to a private address', () => 'http://private.example.test/'],
    ['a name resolving to the metadata address', () => 'http://metadata.example.test/'],
    ['a name resolving to IPv6 loopback', () => `http://loopback6.example.test:${port()}/`],
    ['a name with one loopback address among others', () => `http://rebinding.example.test:${port()}/page`],
    ['a redirect to loopback', () => `${allowed.url}/to-loopback`],
    ['a redirect to localhost', () => `${allowed.url}/to-localhost`],
    ['a redirect to the metadata address', () => `${allowed.url}/to-metadata`],
  ])('refuses %s', async (_what, url) => {
    const result = await fetchUrl(url());
    expect(result).toMatchObject({ ok: false, error: { code: 'ADDRESS_REFUSED' } });
    expect(forbiddenHits).toBe(0);
  });

  it('refuses a redirect to another scheme, and redirect chains past the limit', async () => {
    await expect(fetchUrl(`${allowed.url}/to-file`)).resolves.toMatchObject({
      ok: false,
      error: { code: 'URL_REFUSED' },
    });
    await expect(fetchUrl(`${allowed.url}/loop`)).resolves.toMatchObject({
      ok: false,
      error: { code: 'TOO_MANY_REDIRECTS' },
    });
  });

  it('cuts a body at the size limit', async () => {
    const result = await fetchUrl(`${allowed.url}/big`);
    expect(result).toMatchObject({ ok: true, output: { bytes: 100_000, truncated: true } });
  });

  it('gives up on a server that does not answer in time', async () => {
    await expect(fetchUrl(`${allowed.url}/slow`)).resolves.toMatchObject({
      ok: false,
      error: { code: 'TIMEOUT' },
    });
  });

  it('refuses bad arguments', () => {
    for (const input of [
      {},
      { url: 'ftp://example.com/' },
      { url: 'not a url' },
      { url: 42 },
      { url: 'x', y: 1 },
    ]) {
      expect(fetchTool.input.safeParse(input).success).toBe(false);
    }
  });

  it('is not offered while disabled (the default)', () => {
    const tools = builtInTools(bus, { ...config, AGENTS_HTTP_FETCH_ENABLED: false });
    expect(tools.map((t) => t.name)).not.toContain('http_fetch');
  });
});
