import { randomBytes } from 'node:crypto';
import type { Logger } from '@vigil/messaging';
import type { Transactions } from '@vigil/persistence';
import type { AgentRunnerConfig } from '../agent-runner.config.js';
import { AgentRegistry, parseAgentsConfig } from '../agents/index.js';
import { parseAllowedCidrs } from '../safety/index.js';
import type { McpServerStore, StoredMcpServer } from './mcp-server.store.js';
import { McpServersService } from './mcp-servers.service.js';
import { SecretBox } from '@vigil/auth';

const AGENTS = `
mcpServers:
  k8s: { transport: http, url: "https://k8s.example/mcp" }
agents:
  - name: general
    alertTypes: []
    systemPrompt: You investigate alerts.
    mcpServers: [k8s]
defaultAgent: general
`;
const TENANT = 'tenant-a';

describe('McpServersService.servers (what investigations and the agents list get)', () => {
  const box = SecretBox.parse(`k1:${randomBytes(32).toString('base64url')}`);
  const warnings: unknown[] = [];

  function stored(id: string, name: string, url: string, headers: Record<string, string>, context = id) {
    return {
      id,
      tenantId: TENANT,
      name,
      url,
      headerNames: Object.keys(headers),
      sealedHeaders: box.seal(JSON.stringify(headers), `mcp_servers/${TENANT}/${context}`),
      timeoutMs: name === 'usable' ? 7000 : null,
      createdAtUs: 1n,
      updatedAtUs: 1n,
      createdBy: null,
    } satisfies StoredMcpServer;
  }

  function service(rows: StoredMcpServer[]): McpServersService {
    const transactions = { inTenant: (_t: string, work: (tx: { sql: object }) => unknown) => work({ sql: {} }) };
    const store = { list: () => Promise.resolve(rows) } as unknown as McpServerStore;
    const registry = new AgentRegistry(parseAgentsConfig(AGENTS, 'agents.yaml', {}), { defaultModel: 'm' });
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
    return new McpServersService(
      transactions as unknown as Transactions,
      store,
      registry,
      box,
      parseAllowedCidrs('192.0.2.0/24'),
      { MCP_TIMEOUT_MS: 20_000 } as AgentRunnerConfig,
      logger,
    );
  }

  const rows = () => [
    stored('1', 'usable', 'http://192.0.2.10:8080/mcp', { Authorization: 'Bearer t0ken' }),
    stored('2', 'k8s', 'https://203.0.113.5/mcp', {}),
    stored('3', 'moved', 'https://203.0.113.6/mcp', { Authorization: 'x' }, 'another-row'),
    stored('4', 'metadata', 'http://169.254.169.254/mcp', {}),
  ];

  it('opens the headers of usable servers and says why the others may not be used', async () => {
    expect(await service(rows()).servers(TENANT)).toEqual([
      {
        name: 'usable',
        usable: true,
        spec: {
          name: 'usable',
          transport: 'http',
          url: 'http://192.0.2.10:8080/mcp',
          headers: { Authorization: 'Bearer t0ken' },
          timeoutMs: 7000,
          fetch: expect.any(Function),
        },
      },
      {
        name: 'k8s',
        usable: false,
        error:
          'a server of the agents file now has this name, so this one is not used; add it again under another name',
      },
      { name: 'moved', usable: false, error: expect.stringMatching(/^its headers cannot be read: .*another record/) },
      {
        name: 'metadata',
        usable: false,
        error: '169.254.169.254 (link-local) is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it',
      },
    ]);
  });

  it('gives investigations the usable ones only, and logs the others', async () => {
    warnings.length = 0;
    const specs = await service(rows()).specsFor(TENANT);
    expect(specs.map((spec) => spec.name)).toEqual(['usable']);
    expect(warnings).toHaveLength(3);
  });

  it('reaches them with a fetch that checks every connection, in case a name moves to a private address later', async () => {
    const [spec] = await service(rows()).specsFor(TENANT);
    await expect(spec!.fetch!('http://10.1.2.3:8080/mcp')).rejects.toThrow(
      '10.1.2.3 (private) is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it',
    );
  });
});
