// The agents catalog and the tenants' own MCP servers through the gateway, as users meet them: admins
// add Streamable HTTP servers (headers sealed at rest, never shown, private addresses refused), other
// tenants and lesser roles cannot touch them, GET /api/v1/agents lists the tools of every server live
// (a real MCP server built with the SDK, and one that is down), and an investigation can be asked for.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { AgentList, InvestigationAccepted, McpServerView, Page } from '@vigil/contracts';
import {
  call,
  createTestTenant,
  FakeOpenAI,
  login,
  RELAXED_RATE_LIMITS,
  refusedPort,
  TEST_MODE,
  TestHarness,
  waitFor,
  type Answer,
  type Auth,
  type TestTenant,
} from '@vigil/testing';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const SECRET = `Bearer tenant-secret-${RUN}`;
const ROTATED = `Bearer rotated-secret-${RUN}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

interface ToolServer {
  url: string;
  /** The headers of every request it received. */
  headers: IncomingHttpHeaders[];
  stop(): Promise<void>;
}

/** A real MCP server over Streamable HTTP (stateless: a server per request) that lists `tools`. */
async function startToolServer(name: string, tools: { name: string; description: string }[]): Promise<ToolServer> {
  const headers: IncomingHttpHeaders[] = [];
  const http: HttpServer = createServer((request, response) => {
    headers.push(request.headers);
    const server = new Server({ name, version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: tools.map((tool) => ({ ...tool, inputSchema: { type: 'object' as const, properties: {} } })),
    }));
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
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

function agentsFile(dir: string, sharedUrl: string): string {
  const file = path.join(dir, 'agents.yaml');
  writeFileSync(
    file,
    [
      'mcpServers:',
      '  shared:',
      '    transport: http',
      `    url: ${JSON.stringify(sharedUrl)}`,
      'agents:',
      '  - name: kubernetes',
      "    alertTypes: ['Kube*', 'PodCrashLooping']",
      '    systemPrompt: You investigate Kubernetes alerts.',
      '    mcpServers: [shared]',
      '    model: gpt-k8s',
      '    maxIterations: 4',
      '  - name: general',
      '    alertTypes: []',
      '    systemPrompt: You investigate alerts.',
      '    mcpServers: [shared]',
      'defaultAgent: general',
    ].join('\n'),
  );
  return file;
}

describe(`agents catalog and tenant MCP servers (${TEST_MODE})`, () => {
  let dir: string;
  let shared: ToolServer;
  let tenantTools: ToolServer;
  let downUrl: string;
  let fake: FakeOpenAI;
  let system: TestHarness;
  let a: TestTenant;
  let b: TestTenant;

  const api = <T = Record<string, unknown>>(method: string, route: string, auth: Auth, body?: unknown) =>
    call<T>(system.url, method, route, { auth, body });
  const admin = (tenant: TestTenant) => tenant.users.admin.auth;
  const SERVERS = '/api/v1/agents/mcp-servers';

  function expectStatus<T>(answer: Answer<T>, status: number): T {
    expect([answer.status, answer.body]).toEqual([status, expect.anything()]);
    return answer.body;
  }

  async function addServer(tenant: TestTenant, body: Record<string, unknown>): Promise<McpServerView> {
    return expectStatus(await api<McpServerView>('POST', SERVERS, admin(tenant), body), 201);
  }

  /** The stored row exactly as the database holds it. */
  async function rawRow(id: string): Promise<Record<string, unknown>> {
    const db = system.dataSource('agent-runner');
    const placeholder = db.options.type === 'postgres' ? '$1' : '?';
    const rows = (await db.query(
      `SELECT tenant_id, name, url, header_names, headers, timeout_ms, created_by FROM mcp_servers WHERE id = ${placeholder}`,
      [id],
    )) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-catalog-'));
    shared = await startToolServer('shared', [{ name: 'ping', description: 'Answers pong' }]);
    tenantTools = await startToolServer('tenant-tools', [
      { name: 'pods_list', description: 'Lists the pods' },
      { name: 'pod_logs', description: 'Reads a pod log' },
    ]);
    downUrl = `http://127.0.0.1:${await refusedPort()}/mcp`;
    // A model that concludes at once: what the suite checks is which tools it was offered.
    fake = (await FakeOpenAI.start({ apiKey: 'sk-test' })).respondWith(() => ({ content: 'Nothing to add.' }));
    system = await TestHarness.system({
      env: {
        ...RELAXED_RATE_LIMITS,
        AGENTS_CONFIG: agentsFile(dir, shared.url),
        LLM_MODEL: 'gpt-test',
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_API_KEY: 'sk-test',
        // The test's MCP servers listen on the loopback address; every other private range stays refused.
        TOOLS_ALLOWED_CIDRS: '127.0.0.0/8',
      },
      watch: ['agent.#'],
    });
    const platform: Auth = {
      bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token,
    };
    [a, b] = await Promise.all([
      createTestTenant(system.url, platform, `catalog-a-${RUN}`),
      createTestTenant(system.url, platform, `catalog-b-${RUN}`),
    ]);
  }, 90_000);

  // Each test starts from tenants without servers, whatever the one before left.
  afterEach(async () => {
    for (const tenant of [a, b]) {
      const listed = await api<Page<McpServerView>>('GET', SERVERS, admin(tenant));
      for (const server of listed.body.items ?? []) await api('DELETE', `${SERVERS}/${server.id}`, admin(tenant));
    }
  });

  afterAll(async () => {
    await system?.close();
    await shared?.stop();
    await tenantTools?.stop();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds, lists, reads, changes and removes a server with exact statuses; header values never come back', async () => {
    const created = await addServer(a, {
      name: 'crud',
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: SECRET, 'X-Team': 'sre' },
      timeoutMs: 5000,
    });
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      name: 'crud',
      url: 'https://mcp.example.com/mcp',
      headerNames: ['Authorization', 'X-Team'],
      timeoutMs: 5000,
      createdAt: expect.any(String),
      updatedAt: created.createdAt,
    });
    const answers: Answer<unknown>[] = [];
    const listed = await api<Page<McpServerView>>('GET', SERVERS, admin(a));
    answers.push(listed);
    expect(expectStatus(listed, 200)).toEqual({ items: [created], nextCursor: null });
    const got = await api<McpServerView>('GET', `${SERVERS}/${created.id}`, admin(a));
    answers.push(got);
    expect(expectStatus(got, 200)).toEqual(created);

    const patched = await api<McpServerView>('PATCH', `${SERVERS}/${created.id}`, admin(a), {
      headers: { Authorization: ROTATED },
      timeoutMs: null,
    });
    answers.push(patched);
    expect(expectStatus(patched, 200)).toEqual({
      ...created,
      headerNames: ['Authorization'],
      timeoutMs: null,
      updatedAt: expect.any(String),
    });
    const moved = await api<McpServerView>('PATCH', `${SERVERS}/${created.id}`, admin(a), {
      url: 'https://mcp2.example.com/mcp',
    });
    answers.push(moved);
    expect(expectStatus(moved, 200)).toMatchObject({
      url: 'https://mcp2.example.com/mcp',
      headerNames: ['Authorization'],
      timeoutMs: null,
    });
    // An admin-scoped API key manages them too.
    answers.push(await api('GET', SERVERS, { apiKey: a.keys['admin']!.key }));
    expect(answers.at(-1)!.status).toBe(200);
    for (const answer of answers) {
      const text = JSON.stringify(answer.body);
      expect(text).not.toContain('tenant-secret');
      expect(text).not.toContain('rotated-secret');
    }

    const removed = await api('DELETE', `${SERVERS}/${created.id}`, admin(a));
    expect([removed.status, removed.body]).toEqual([204, '']);
    expect((await api('GET', `${SERVERS}/${created.id}`, admin(a))).status).toBe(404);
    expect((await api('DELETE', `${SERVERS}/${created.id}`, admin(a))).status).toBe(404);
    expect((await api('PATCH', `${SERVERS}/${created.id}`, admin(a), { timeoutMs: 10 })).status).toBe(404);
    expect(expectStatus(await api<Page<McpServerView>>('GET', SERVERS, admin(a)), 200).items).toEqual([]);
  });

  it('stores header values sealed, never in plain text, bound to their row', async () => {
    const created = await addServer(a, {
      name: 'sealed',
      url: 'https://mcp.example.com/x',
      headers: { Authorization: SECRET },
    });
    const row = await rawRow(created.id);
    expect(row).toMatchObject({
      tenant_id: a.id,
      name: 'sealed',
      header_names: '["Authorization"]',
      created_by: a.users.admin.id,
    });
    const sealed = String(row['headers']);
    expect(sealed).not.toContain('tenant-secret');
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(sealed).toMatch(/^[A-Za-z0-9._-]+:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{22}$/);
    // A new write seals again with a fresh IV.
    await api('PATCH', `${SERVERS}/${created.id}`, admin(a), { headers: { Authorization: SECRET } });
    expect(String((await rawRow(created.id))['headers'])).not.toEqual(sealed);
    expect((await api('DELETE', `${SERVERS}/${created.id}`, admin(a))).status).toBe(204);
  });

  it("keeps each tenant's servers to itself: another tenant cannot see, change or remove them", async () => {
    const mine = await addServer(a, { name: 'isolated', url: 'https://mcp.example.com/a' });
    const byB = admin(b);
    expect((await api('GET', `${SERVERS}/${mine.id}`, byB)).status).toBe(404);
    expect((await api('PATCH', `${SERVERS}/${mine.id}`, byB, { url: 'https://evil.example.com/' })).status).toBe(404);
    expect((await api('DELETE', `${SERVERS}/${mine.id}`, byB)).status).toBe(404);
    expect(expectStatus(await api<Page<McpServerView>>('GET', SERVERS, byB), 200).items).toEqual([]);
    // The same name is free in another tenant.
    const theirs = await addServer(b, { name: 'isolated', url: 'https://mcp.example.com/b' });
    expect(expectStatus(await api<McpServerView>('GET', `${SERVERS}/${mine.id}`, admin(a)), 200)).toEqual(mine);
    expect((await api('DELETE', `${SERVERS}/${mine.id}`, admin(a))).status).toBe(204);
    expect((await api('DELETE', `${SERVERS}/${theirs.id}`, byB)).status).toBe(204);
  });

  it('lets only admins (and admin-scoped keys) manage or read them', async () => {
    const body = { name: 'by-role', url: 'https://mcp.example.com/r' };
    for (const role of ['manager', 'operator', 'viewer'] as const) {
      expect([role, (await api('POST', SERVERS, a.users[role].auth, body)).status]).toEqual([role, 403]);
      expect([role, (await api('GET', SERVERS, a.users[role].auth)).status]).toEqual([role, 403]);
    }
    expect((await api('POST', SERVERS, { apiKey: a.keys['alerts:write']!.key }, body)).status).toBe(403);
    expect((await api('POST', SERVERS, undefined, body)).status).toBe(401);
    expect(expectStatus(await api<Page<McpServerView>>('GET', SERVERS, admin(a)), 200).items).toEqual([]);
  });

  it('refuses stdio: transport and command are not fields of a tenant server', async () => {
    const stdio = await api<{ errors: string[] }>('POST', SERVERS, admin(a), {
      name: 'shell',
      url: 'https://mcp.example.com/mcp',
      transport: 'stdio',
      command: 'sh',
      args: ['-c', 'id'],
    });
    expect(stdio.status).toBe(422);
    expect(stdio.body.errors).toEqual(
      expect.arrayContaining([
        'transport: property transport should not exist',
        'command: property command should not exist',
        'args: property args should not exist',
      ]),
    );
    const noUrl = await api<{ message: string }>('POST', SERVERS, admin(a), { name: 'shell', command: 'sh' });
    expect(noUrl.status).toBe(422);
    const existing = await addServer(a, { name: 'patched-stdio', url: 'https://mcp.example.com/p' });
    expect(
      (await api('PATCH', `${SERVERS}/${existing.id}`, admin(a), { transport: 'stdio', command: 'sh' })).status,
    ).toBe(422);
    expect((await api('PATCH', `${SERVERS}/${existing.id}`, admin(a), { name: 'renamed' })).status).toBe(422);
    expect(expectStatus(await api<Page<McpServerView>>('GET', SERVERS, admin(a)), 200).items).toEqual([existing]);
    expect((await api('DELETE', `${SERVERS}/${existing.id}`, admin(a))).status).toBe(204);
  });

  it('refuses private, link-local and non-http URLs naming url, and taken or configured names naming name', async () => {
    const refused = async (body: Record<string, unknown>, status: number, message: string | RegExp) => {
      const answer = await api<{ message: string; field?: string }>('POST', SERVERS, admin(a), body);
      expect([answer.status, answer.body.message]).toEqual([status, expect.stringMatching(message)]);
    };
    await refused(
      { name: 'metadata', url: 'http://169.254.169.254/latest/meta-data' },
      422,
      /^url: 169\.254\.169\.254 is not a public address; add it to TOOLS_ALLOWED_CIDRS/,
    );
    await refused(
      { name: 'internal', url: 'http://10.0.0.5:8080/mcp' },
      422,
      /^url: 10\.0\.0\.5 is not a public address/,
    );
    await refused({ name: 'v6', url: 'http://[fd00::1]/mcp' }, 422, /^url: fd00::1 is not a public address/);
    await refused({ name: 'files', url: 'file:///etc/passwd' }, 422, /^url: must be http or https, not file$/);
    await refused({ name: 'nourl', url: 'mcp.example.com' }, 422, /^url: must be an absolute http or https URL$/);
    await refused(
      { name: 'badheader', url: 'https://mcp.example.com/', headers: { Host: 'internal' } },
      422,
      /^headers: Host is set by the MCP client/,
    );
    await refused(
      { name: 'shared', url: 'https://mcp.example.com/' },
      409,
      /^name: "shared" is the name of a configured MCP server/,
    );
    const first = await addServer(a, { name: 'twice', url: 'https://mcp.example.com/1' });
    await refused(
      { name: 'twice', url: 'https://mcp.example.com/2' },
      409,
      /^name: the tenant already has an MCP server named "twice"$/,
    );
    const patched = await api<{ message: string }>('PATCH', `${SERVERS}/${first.id}`, admin(a), {
      url: 'http://192.168.1.10/mcp',
    });
    expect([patched.status, patched.body.message]).toEqual([
      422,
      expect.stringMatching(/^url: 192\.168\.1\.10 is not a public address/),
    ]);
    expect(expectStatus(await api<McpServerView>('GET', `${SERVERS}/${first.id}`, admin(a)), 200).url).toBe(
      'https://mcp.example.com/1',
    );
    expect(expectStatus(await api<Page<McpServerView>>('GET', SERVERS, admin(a)), 200).items).toEqual([first]);
    expect((await api('DELETE', `${SERVERS}/${first.id}`, admin(a))).status).toBe(204);
  });

  it("lists every agent with the live tools of its servers and of the tenant's own; a server that is down is unreachable, not an error", async () => {
    const up = await addServer(a, { name: 'tenant-tools', url: tenantTools.url, headers: { Authorization: SECRET } });
    const down = await addServer(a, { name: 'tenant-down', url: downUrl });
    const seenBefore = tenantTools.headers.length;

    const answer = await api<AgentList>('GET', '/api/v1/agents', a.users.viewer.auth);
    const list = expectStatus(answer, 200);
    const sharedView = {
      name: 'shared',
      transport: 'http',
      scope: 'config',
      reachable: true,
      error: null,
      tools: [{ name: 'ping', description: 'Answers pong' }],
    };
    const tenantViews = [
      {
        name: 'tenant-down',
        transport: 'http',
        scope: 'tenant',
        reachable: false,
        error: expect.any(String),
        tools: [],
      },
      {
        name: 'tenant-tools',
        transport: 'http',
        scope: 'tenant',
        reachable: true,
        error: null,
        tools: [
          { name: 'pods_list', description: 'Lists the pods' },
          { name: 'pod_logs', description: 'Reads a pod log' },
        ],
      },
    ];
    expect(list).toEqual({
      llmConfigured: true,
      agents: [
        {
          name: 'kubernetes',
          alertTypes: ['Kube*', 'PodCrashLooping'],
          isDefault: false,
          model: 'gpt-k8s',
          maxIterations: 4,
          mcpServers: [sharedView, ...tenantViews],
        },
        {
          name: 'general',
          alertTypes: [],
          isDefault: true,
          model: 'gpt-test',
          maxIterations: 8,
          mcpServers: [sharedView, ...tenantViews],
        },
      ],
    });
    expect(list.agents[0]!.mcpServers[1]!.error).not.toBe('');
    expect(JSON.stringify(list)).not.toContain('tenant-secret');
    // The tenant's server got the header value it was given: opened from its sealed form for the call.
    const received = tenantTools.headers.slice(seenBefore);
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((headers) => headers.authorization === SECRET)).toBe(true);

    // Another tenant sees the configured server only.
    const theirs = expectStatus(await api<AgentList>('GET', '/api/v1/agents', b.users.viewer.auth), 200);
    expect(theirs.agents.map((agent) => agent.mcpServers.map((server) => server.name))).toEqual([
      ['shared'],
      ['shared'],
    ]);
    expect((await api('GET', '/api/v1/agents', undefined)).status).toBe(401);
    expect((await api('GET', '/api/v1/agents', { apiKey: a.keys['alerts:read']!.key })).status).toBe(200);

    for (const id of [up.id, down.id]) expect((await api('DELETE', `${SERVERS}/${id}`, admin(a))).status).toBe(204);
  });

  it("starts an investigation on demand (202 with the session for operators, 403 for viewers, 404 for an unknown alert) that may use the tenant's servers", async () => {
    await addServer(a, { name: 'tenant-tools', url: tenantTools.url, headers: { Authorization: SECRET } });
    const alertType = `OnDemand-${RUN}`;
    const posted = await api<{ ids: string[] }>('POST', '/api/v1/alerts', { apiKey: a.keys['alerts:write']!.key }, [
      {
        alert_type: alertType,
        runbook: 'Look at it again.',
        severity: 'warning',
        labels: {},
        summary: 'asked for again',
      },
    ]);
    expect(posted.status).toBe(202);
    const alertId = posted.body.ids[0]!;
    const completed = (sessionOf: (payload: Record<string, unknown>) => boolean, what: string) =>
      waitFor(() => system.eventsOf('agent.session.completed').find((e) => sessionOf(e.payload)), {
        what,
        timeoutMs: 30_000,
      });
    // The new alert's own investigation must be over before another may start.
    await completed((p) => p['alertId'] === alertId, `the automatic session of ${alertId} to close`);
    const route = `/api/v1/alerts/${alertId}/investigations`;
    expect((await api('POST', route, a.users.viewer.auth)).status).toBe(403);
    expect((await api('POST', route, b.users.operator.auth)).status).toBe(404);
    expect((await api('POST', `/api/v1/alerts/${MISSING_ID}/investigations`, a.users.operator.auth)).status).toBe(404);
    const seenBefore = tenantTools.headers.length;

    const accepted = await api<InvestigationAccepted>('POST', route, a.users.operator.auth);
    expect(expectStatus(accepted, 202)).toEqual({ sessionId: expect.stringMatching(UUID), alertId, status: 'pending' });
    const closed = await completed((p) => p['sessionId'] === accepted.body.sessionId, 'the requested session to close');
    expect(closed.tenantId).toBe(a.id);
    const started = system
      .eventsOf('agent.session.started')
      .find((e) => e.payload['sessionId'] === accepted.body.sessionId);
    expect(started?.payload['trigger']).toBe('manual');
    // The model was offered the configured server's tools and the tenant's, reached with its header.
    const asked = fake.requests.filter((r) => JSON.stringify(r.body.messages).includes(`alertType: ${alertType}`));
    expect(asked.length).toBe(2);
    for (const request of asked)
      expect((request.body.tools as { function: { name: string } }[]).map((t) => t.function.name).sort()).toEqual([
        'shared__ping',
        'tenant-tools__pod_logs',
        'tenant-tools__pods_list',
      ]);
    const received = tenantTools.headers.slice(seenBefore);
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((headers) => headers.authorization === SECRET)).toBe(true);
  });
});
