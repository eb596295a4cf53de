// An MCP server over stdio, built with the SDK, that fails on demand: `echo` answers, `hang` never does,
// `crash` kills the process in the middle of the call (what a segfaulting tool looks like to the client).
// Run it with `node` (Node strips the types): `node apps/agent-runner/test/support/stdio-tool-server.ts`.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'stdio-tools', version: '1.0.0' }, { capabilities: { tools: {} } });

server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [
    {
      name: 'echo',
      description: 'Answers with its message',
      inputSchema: { type: 'object', properties: { message: { type: 'string' } } },
    },
    { name: 'hang', description: 'Never answers', inputSchema: { type: 'object', properties: {} } },
    { name: 'crash', description: 'Kills its own process mid-call', inputSchema: { type: 'object', properties: {} } },
  ],
}));

server.setRequestHandler(CallToolRequestSchema, async ({ params }) => {
  switch (params.name) {
    case 'echo':
      return { content: [{ type: 'text', text: `echo: ${String(params.arguments?.message ?? '')}` }] };
    case 'hang':
      return new Promise<never>(() => undefined);
    case 'crash':
      process.stderr.write('fatal: the tool crashed\n', () => process.exit(70));
      return new Promise<never>(() => undefined);
    default:
      throw new Error(`no tool ${params.name}`);
  }
});

await server.connect(new StdioServerTransport());
