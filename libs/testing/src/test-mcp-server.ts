import type { IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { serveOnLoopback, type LoopbackHttpServer } from './fake-providers/loopback-http-server';

export interface TestMcpServer {
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  /** `tools/list` requests answered so far. */
  listings(): number;
  /** Tool calls answered so far. */
  calls(): number;
  close(): Promise<void>;
}

/**
 * A real MCP server (the SDK's McpServer over its StreamableHTTPServerTransport, stateless) on loopback,
 * answering only requests that carry `Authorization: Bearer <token>` when a token is given. Tools:
 * `add` (a + b), `weather.today` (a name with a dot), `fails` (a tool error), `stalls` (never answers).
 */
export async function startTestMcpServer(options: { token?: string } = {}): Promise<TestMcpServer> {
  let listings = 0;
  let calls = 0;
  const build = () => {
    const server = new McpServer({ name: 'test-tools', version: '1.0.0' });
    server.registerTool(
      'add',
      {
        description: 'Adds two numbers',
        inputSchema: { a: z.number(), b: z.number() },
      },
      ({ a, b }) => {
        calls += 1;
        return { content: [{ type: 'text', text: String(a + b) }] };
      },
    );
    server.registerTool(
      'weather.today',
      { description: "Today's weather in a city", inputSchema: { city: z.string().min(1) } },
      ({ city }) => {
        calls += 1;
        return {
          content: [{ type: 'text', text: `Sunny in ${city}` }],
          structuredContent: { city, sky: 'sunny' },
        };
      },
    );
    server.registerTool('fails', { description: 'Always fails', inputSchema: {} }, () => {
      calls += 1;
      return { isError: true, content: [{ type: 'text', text: 'the upstream API refused the request' }] };
    });
    server.registerTool(
      'stalls',
      { description: 'Never answers', inputSchema: {} },
      () => new Promise<never>(() => undefined),
    );
    return server;
  };

  const http: LoopbackHttpServer = await serveOnLoopback(async (req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      res.statusCode = 401;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || 'null') : undefined;
    if (Array.isArray(body) ? body.some(isListing) : isListing(body)) listings += 1;
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });

  return {
    url: `${http.url}/mcp`,
    listings: () => listings,
    calls: () => calls,
    close: () => http.close(),
  };
}

const isListing = (message: unknown) => (message as { method?: string } | null)?.method === 'tools/list';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
