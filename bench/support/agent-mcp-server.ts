import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** The header the agents file of the benchmark sets per replica (`${BENCH_REPLICA}`), read by the server. */
export const REPLICA_HEADER = 'x-vigil-bench-replica';

/** The one tool the benchmark server lists: answers at once with a text naming its arguments. */
export const LOOKUP_TOOL = {
  name: 'lookup',
  description: 'Looks up one fact about an alert',
  inputSchema: {
    type: 'object',
    properties: { alert: { type: 'string' }, step: { type: 'integer' } },
    required: ['alert', 'step'],
  },
};

/** What `lookup` answers for these arguments: what the recorded events must carry. */
export function lookupAnswer(alert: string, step: number): string {
  return `lookup ${alert} step ${step}: ok`;
}

export interface BenchMcpServer {
  url: string;
  /** tools/call received, by the replica header they came with (none: "-"). */
  calls: { replica: string; alert: string; step: number }[];
  /** tools/list received, by replica header. */
  lists: Map<string, number>;
  stop(): Promise<void>;
}

/**
 * A zero-latency MCP server built with the SDK, over Streamable HTTP (stateless: a server object per
 * request, as the SDK documents for horizontally scaled servers). It keeps which replica asked, from
 * the header the agents file sets.
 */
export async function startBenchMcpServer(): Promise<BenchMcpServer> {
  const calls: BenchMcpServer['calls'] = [];
  const lists = new Map<string, number>();
  const http: HttpServer = createServer((request, response) => {
    const replica = String(request.headers[REPLICA_HEADER] ?? '-');
    const server = new Server({ name: 'vigil-bench-tools', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => {
      lists.set(replica, (lists.get(replica) ?? 0) + 1);
      return { tools: [LOOKUP_TOOL] };
    });
    server.setRequestHandler(CallToolRequestSchema, ({ params }) => {
      const args = params.arguments ?? {};
      if (params.name !== LOOKUP_TOOL.name || typeof args.alert !== 'string' || typeof args.step !== 'number')
        return {
          isError: true,
          content: [{ type: 'text', text: `unknown tool ${params.name} or bad arguments ${JSON.stringify(args)}` }],
        };
      calls.push({ replica, alert: args.alert, step: args.step });
      return { content: [{ type: 'text', text: lookupAnswer(args.alert, args.step) }] };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    void server.connect(transport).then(() => transport.handleRequest(request, response));
  });
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    lists,
    async stop() {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
