import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** What a tool of the test server does with its arguments: text to answer, an error it reports, or a throw. */
export type ToolBehaviour = (
  args: Record<string, unknown>,
) => string | { reportedError: string } | Promise<string | { reportedError: string }>;

export interface HttpToolServer {
  url: string;
  /** Every tools/call received, in order of arrival. */
  calls: { name: string; args: Record<string, unknown> }[];
  /** Sets what a tool does (the tool list is fixed; see `tools`). */
  behave(tool: string, behaviour: ToolBehaviour): void;
  /** Releases every call still waiting in `hang`. */
  releaseHanging(): void;
  stop(): Promise<void>;
}

/** The tools the HTTP test server lists. */
export const HTTP_TOOLS = [
  {
    name: 'pods_list',
    description: 'Lists the pods of a namespace',
    inputSchema: { type: 'object', properties: { namespace: { type: 'string' } }, required: ['namespace'] },
  },
  { name: 'logs', description: 'Reads the logs of a pod', inputSchema: { type: 'object', properties: {} } },
  { name: 'hang', description: 'Never answers', inputSchema: { type: 'object', properties: {} } },
];

/**
 * An MCP server built with the SDK over Streamable HTTP (stateless: a server per request) whose tools
 * answer what each test sets, throw, or hang until released.
 */
export async function startHttpToolServer(): Promise<HttpToolServer> {
  const calls: HttpToolServer['calls'] = [];
  const behaviours = new Map<string, ToolBehaviour>();
  const hanging: (() => void)[] = [];
  const http: HttpServer = createServer((request, response) => {
    const server = new Server({ name: 'http-tools', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: HTTP_TOOLS }));
    server.setRequestHandler(CallToolRequestSchema, async ({ params }) => {
      const args = params.arguments ?? {};
      calls.push({ name: params.name, args });
      if (params.name === 'hang') {
        await new Promise<void>((resolve) => hanging.push(resolve));
        return { content: [{ type: 'text', text: 'too late' }] };
      }
      const behaviour = behaviours.get(params.name);
      if (!behaviour) throw new Error(`no behaviour set for ${params.name}`);
      const answer = await behaviour(args);
      return typeof answer === 'string'
        ? { content: [{ type: 'text', text: answer }] }
        : { isError: true, content: [{ type: 'text', text: answer.reportedError }] };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    void server.connect(transport).then(() => transport.handleRequest(request, response));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    behave: (tool, behaviour) => void behaviours.set(tool, behaviour),
    releaseHanging: () => hanging.splice(0).forEach((release) => release()),
    async stop() {
      hanging.splice(0).forEach((release) => release());
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/** The stdio server that fails on demand (echo, hang, crash), as `command` and `args` for a stdio spec. */
export const STDIO_TOOL_SERVER = {
  command: process.execPath,
  args: [fileURLToPath(new URL('./stdio-tool-server.ts', import.meta.url))],
};
