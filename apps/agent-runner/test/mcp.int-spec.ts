// The MCP clients of the agent runner on real transports: a standard server from npm over stdio, and a
// server built here with the SDK over Streamable HTTP that answers, hangs, fails and reports errors.
// No Vigil service is started: both test modes run the same thing.
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { refusedPort, waitFor } from '@vigil/testing';
import { McpConnections, type McpExchange } from '../src/mcp/index.js';
import { EVERYTHING_ENTRY } from './support/everything.js';

const TEST_TOOLS = [
  {
    name: 'greet',
    description: 'Says hello',
    inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
  },
  { name: 'hang', description: 'Never answers', inputSchema: { type: 'object', properties: {} } },
  { name: 'explode', description: 'Throws', inputSchema: { type: 'object', properties: {} } },
  { name: 'refuse', description: 'Reports a tool error', inputSchema: { type: 'object', properties: {} } },
  { name: 'picture', description: 'Answers with text and an image', inputSchema: { type: 'object', properties: {} } },
];

/** An MCP server over Streamable HTTP (stateless: a server per request), with the headers of every request kept. */
async function startTestServer(): Promise<{ url: string; headers: IncomingHttpHeaders[]; stop(): Promise<void> }> {
  const headers: IncomingHttpHeaders[] = [];
  const hanging: (() => void)[] = [];
  const http: HttpServer = createServer((request, response) => {
    headers.push(request.headers);
    const server = new Server({ name: 'test-tools', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TEST_TOOLS }));
    server.setRequestHandler(CallToolRequestSchema, async ({ params }) => {
      switch (params.name) {
        case 'greet':
          return { content: [{ type: 'text', text: `Hello, ${String(params.arguments?.name)}!` }] };
        case 'hang':
          await new Promise<void>((resolve) => hanging.push(resolve));
          return { content: [{ type: 'text', text: 'too late' }] };
        case 'explode':
          throw new Error('disk on fire');
        case 'refuse':
          return { isError: true, content: [{ type: 'text', text: 'namespace kube-system is off limits' }] };
        case 'picture':
          return {
            content: [
              { type: 'text', text: 'the graph:' },
              { type: 'image', mimeType: 'image/png', data: Buffer.from('12345678').toString('base64') },
            ],
          };
        default:
          throw new Error(`no tool ${params.name}`);
      }
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
    headers,
    async stop() {
      hanging.forEach((release) => release());
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

describe('MCP connections', () => {
  let testServer: Awaited<ReturnType<typeof startTestServer>>;
  let downPort: number;
  let connections: McpConnections;
  let exchanges: McpExchange[];

  beforeAll(async () => {
    testServer = await startTestServer();
    downPort = await refusedPort();
    exchanges = [];
    connections = new McpConnections(
      [
        { name: 'everything', transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
        {
          name: 'tools',
          transport: 'http',
          url: testServer.url,
          headers: { Authorization: 'Bearer test-token' },
          timeoutMs: 1000,
        },
        { name: 'down', transport: 'http', url: `http://127.0.0.1:${downPort}/mcp`, timeoutMs: 5000 },
        {
          name: 'crashing',
          transport: 'stdio',
          command: process.execPath,
          args: ['-e', 'process.exit(3)'],
          timeoutMs: 5000,
        },
      ],
      { listener: (exchange) => exchanges.push(exchange), defaultTimeoutMs: 10_000 },
    );
  });

  afterAll(async () => {
    await connections.close();
    await testServer.stop();
  });

  beforeEach(() => {
    exchanges.length = 0;
  });

  it('lists the tools of a standard npm server over stdio and calls one', async () => {
    const listed = await connections.listTools('everything');
    if (!listed.ok) throw new Error(listed.error);
    const echo = listed.tools.find((tool) => tool.name === 'echo');
    expect(echo).toEqual({
      name: 'echo',
      description: 'Echoes back the input string',
      inputSchema: expect.objectContaining({ type: 'object', required: ['message'] }),
    });
    const called = await connections.callTool('everything', 'echo', { message: 'disk 91% full' });
    expect(called).toEqual({ ok: true, text: 'Echo: disk 91% full', durationMs: expect.any(Number) });
    expect(exchanges.map(({ server, kind, tool, ok }) => ({ server, kind, tool, ok }))).toEqual([
      { server: 'everything', kind: 'tool_list', tool: undefined, ok: true },
      { server: 'everything', kind: 'tool_call', tool: 'echo', ok: true },
    ]);
  });

  it('reuses a running stdio server and starts it again when its process died', async () => {
    expect((await connections.callTool('everything', 'echo', { message: 'one' })).ok).toBe(true);
    const first = connections.pid('everything');
    expect(first).toEqual(expect.any(Number));
    expect((await connections.callTool('everything', 'echo', { message: 'two' })).ok).toBe(true);
    expect(connections.pid('everything')).toBe(first);

    process.kill(first!, 'SIGKILL');
    await waitFor(() => connections.pid('everything') === undefined, { what: 'the death of the stdio server noticed' });

    const again = await connections.callTool('everything', 'echo', { message: 'three' });
    expect(again).toEqual({ ok: true, text: 'Echo: three', durationMs: expect.any(Number) });
    const second = connections.pid('everything');
    expect(second).toEqual(expect.any(Number));
    expect(second).not.toBe(first);
  });

  it('speaks Streamable HTTP with the configured headers, and reports every exchange in order', async () => {
    const listed = await connections.listTools('tools');
    expect(listed).toEqual({ ok: true, tools: TEST_TOOLS, durationMs: expect.any(Number) });
    expect(await connections.callTool('tools', 'greet', { name: 'Ada' })).toEqual({
      ok: true,
      text: 'Hello, Ada!',
      durationMs: expect.any(Number),
    });
    expect(await connections.callTool('tools', 'picture')).toEqual({
      ok: true,
      text: 'the graph:\n[image image/png, 8 bytes]',
      durationMs: expect.any(Number),
    });
    expect(await connections.callTool('tools', 'refuse')).toEqual({
      ok: false,
      error: 'namespace kube-system is off limits',
      text: 'namespace kube-system is off limits',
      durationMs: expect.any(Number),
    });
    expect(testServer.headers.length).toBeGreaterThan(0);
    expect(testServer.headers.every((headers) => headers.authorization === 'Bearer test-token')).toBe(true);

    const timing = { startedAtUs: expect.any(BigInt), durationMs: expect.any(Number) };
    expect(exchanges).toEqual([
      { server: 'tools', kind: 'tool_list', ok: true, tools: TEST_TOOLS, ...timing },
      {
        server: 'tools',
        kind: 'tool_call',
        tool: 'greet',
        arguments: { name: 'Ada' },
        result: 'Hello, Ada!',
        ok: true,
        ...timing,
      },
      {
        server: 'tools',
        kind: 'tool_call',
        tool: 'picture',
        arguments: {},
        result: 'the graph:\n[image image/png, 8 bytes]',
        ok: true,
        ...timing,
      },
      {
        server: 'tools',
        kind: 'tool_call',
        tool: 'refuse',
        arguments: {},
        result: 'namespace kube-system is off limits',
        ok: false,
        error: 'namespace kube-system is off limits',
        ...timing,
      },
    ]);
  });

  it('records a hanging tool as a timeout and keeps the server usable', async () => {
    const hung = await connections.callTool('tools', 'hang');
    expect(hung).toEqual({ ok: false, error: 'timeout after 1000 ms', durationMs: expect.any(Number) });
    if (hung.ok) return;
    expect(hung.durationMs).toBeGreaterThanOrEqual(999);
    expect(hung.durationMs).toBeLessThan(3000);
    expect(await connections.callTool('tools', 'greet', { name: 'again' })).toEqual({
      ok: true,
      text: 'Hello, again!',
      durationMs: expect.any(Number),
    });
    expect(exchanges.map(({ tool, ok, error }) => ({ tool, ok, error }))).toEqual([
      { tool: 'hang', ok: false, error: 'timeout after 1000 ms' },
      { tool: 'greet', ok: true, error: undefined },
    ]);
  });

  it('records a tool that throws as an error, and an unknown tool too', async () => {
    expect(await connections.callTool('tools', 'explode')).toEqual({
      ok: false,
      error: 'MCP error -32603: disk on fire',
      durationMs: expect.any(Number),
    });
    expect(await connections.callTool('tools', 'greet', { name: 'after the explosion' })).toMatchObject({
      ok: true,
      text: 'Hello, after the explosion!',
    });
    expect(await connections.callTool('tools', 'nope')).toEqual({
      ok: false,
      error: 'MCP error -32603: no tool nope',
      durationMs: expect.any(Number),
    });
  });

  it('answers a server that is down with a failure while the others keep working', async () => {
    const [down, up] = await Promise.all([
      connections.listTools('down'),
      connections.callTool('everything', 'echo', { message: 'fine' }),
    ]);
    expect(down).toEqual({
      ok: false,
      error: `connection refused (127.0.0.1:${downPort})`,
      durationMs: expect.any(Number),
    });
    expect(up).toMatchObject({ ok: true, text: 'Echo: fine' });
    expect(exchanges.find((exchange) => exchange.server === 'down')).toEqual({
      server: 'down',
      kind: 'tool_list',
      ok: false,
      error: `connection refused (127.0.0.1:${downPort})`,
      startedAtUs: expect.any(BigInt),
      durationMs: expect.any(Number),
    });
  });

  it('answers a stdio server that exits at start with a failure, each time it is used', async () => {
    for (let attempt = 0; attempt < 2; attempt++)
      expect(await connections.callTool('crashing', 'anything')).toEqual({
        ok: false,
        error: 'MCP error -32000: Connection closed',
        durationMs: expect.any(Number),
      });
  });

  it('answers a server that accepts connections but never replies with a timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const mute = new McpConnections([
      { name: 'mute', transport: 'http', url: `http://127.0.0.1:${port}/mcp`, timeoutMs: 500 },
    ]);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const listed = await mute.listTools('mute');
        expect(listed).toEqual({ ok: false, error: 'timeout after 500 ms', durationMs: expect.any(Number) });
        expect(listed.durationMs).toBeGreaterThanOrEqual(499);
        expect(listed.durationMs).toBeLessThan(2500);
      }
    } finally {
      await mute.close();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('answers an unknown server with a failure', async () => {
    expect(await connections.listTools('nowhere')).toEqual({
      ok: false,
      error: 'unknown MCP server nowhere',
      durationMs: expect.any(Number),
    });
  });
});

describe('MCP connections with a listener that throws', () => {
  it('still answers the call', async () => {
    const testServer = await startTestServer();
    let heard = 0;
    const connections = new McpConnections([{ name: 'tools', transport: 'http', url: testServer.url }], {
      listener: () => {
        heard++;
        throw new Error('listener broken');
      },
    });
    try {
      expect(await connections.callTool('tools', 'greet', { name: 'Grace' })).toMatchObject({
        ok: true,
        text: 'Hello, Grace!',
      });
      expect(heard).toBe(1);
    } finally {
      await connections.close();
      await testServer.stop();
    }
  });
});

describe('closing the MCP connections', () => {
  it('stops the stdio server processes', async () => {
    const connections = new McpConnections([
      { name: 'everything', transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
    ]);
    expect((await connections.listTools('everything')).ok).toBe(true);
    const pid = connections.pid('everything')!;
    await connections.close();
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { what: 'the stdio server process gone' },
    );
    expect(await connections.listTools('everything')).toEqual({
      ok: false,
      error: 'the MCP connections are closed',
      durationMs: expect.any(Number),
    });
  });
});

describe('a standard npm server over Streamable HTTP', () => {
  it('lists and calls the tools of server-everything served over HTTP, unchanged', async () => {
    const port = await refusedPort();
    const child = spawn(process.execPath, [EVERYTHING_ENTRY, 'streamableHttp'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let said = '';
    child.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')));
    const connections = new McpConnections([
      { name: 'everything-http', transport: 'http', url: `http://127.0.0.1:${port}/mcp`, timeoutMs: 10_000 },
    ]);
    try {
      await waitFor(() => said.includes(`listening on port ${port}`), { what: 'server-everything listening' });
      const listed = await connections.listTools('everything-http');
      if (!listed.ok) throw new Error(listed.error);
      expect(listed.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
      expect(await connections.callTool('everything-http', 'echo', { message: 'over HTTP' })).toEqual({
        ok: true,
        text: 'Echo: over HTTP',
        durationMs: expect.any(Number),
      });
    } finally {
      await connections.close();
      child.kill();
    }
  });
});
