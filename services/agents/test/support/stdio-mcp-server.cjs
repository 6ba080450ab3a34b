// An MCP server over stdio (the SDK's McpServer and StdioServerTransport), run by the agents service as
// an operator-configured server in the tests: `shout` upper-cases its text, `exit` ends the process.
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { z } = require('zod');

const server = new McpServer({ name: 'stdio-test', version: '1.0.0' });
server.registerTool(
  'shout',
  { description: 'Upper-cases a text', inputSchema: { text: z.string() } },
  ({ text }) => ({ content: [{ type: 'text', text: `${text.toUpperCase()} (pid ${process.pid})` }] }),
);
server.registerTool('exit', { description: 'Ends the server process', inputSchema: {} }, () => {
  setImmediate(() => process.exit(1));
  return new Promise(() => undefined);
});
server.connect(new StdioServerTransport()).catch((error) => {
  process.stderr.write(String(error));
  process.exit(1);
});
