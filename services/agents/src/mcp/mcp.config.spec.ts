import { McpConfigSchema } from './mcp.config';

describe('McpConfigSchema', () => {
  const parse = (env: Record<string, string>) => McpConfigSchema.safeParse(env);

  it('has no stdio servers and no allowed private addresses by default', () => {
    const config = McpConfigSchema.parse({});
    expect(config.AGENTS_MCP_STDIO_SERVERS).toEqual([]);
    expect(config.AGENTS_MCP_ALLOWED_ADDRESSES).toEqual([]);
  });

  it('reads stdio servers from JSON', () => {
    const config = McpConfigSchema.parse({
      AGENTS_MCP_STDIO_SERVERS:
        '[{"name":"files","command":"node","args":["files.js"],"env":{"ROOT":"/srv"}}]',
    });
    expect(config.AGENTS_MCP_STDIO_SERVERS).toEqual([
      { name: 'files', command: 'node', args: ['files.js'], env: { ROOT: '/srv' } },
    ]);
  });

  it.each([
    'not json',
    '{"name":"files","command":"node"}',
    '[{"name":"Files","command":"node"}]',
    '[{"name":"files"}]',
    '[{"name":"a","command":"x"},{"name":"a","command":"y"}]',
    '[{"name":"a","command":"x","shell":true}]',
  ])('refuses %s', (value) => {
    expect(parse({ AGENTS_MCP_STDIO_SERVERS: value }).success).toBe(false);
  });
});
