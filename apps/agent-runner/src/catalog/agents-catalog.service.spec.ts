import { jest } from '@jest/globals';
import type { AgentRunnerConfig } from '../agent-runner.config.js';
import { AgentRegistry, parseAgentsConfig } from '../agents/index.js';
import type { LlmClient } from '../llm/index.js';
import type { McpConnections, McpToolListResult } from '../mcp/index.js';
import { AgentsCatalog } from './agents-catalog.service.js';
import type { McpServersService, TenantServer } from './mcp-servers.service.js';

const AGENTS = `
mcpServers:
  fast: { transport: http, url: "https://fast.example/mcp" }
  hanging: { transport: http, url: "https://hanging.example/mcp", timeoutMs: 600000 }
agents:
  - name: general
    alertTypes: []
    systemPrompt: You investigate alerts.
    mcpServers: [fast, hanging]
defaultAgent: general
`;

function catalog(listTools: (server: string) => Promise<McpToolListResult>, tenant: TenantServer[] = []) {
  const registry = new AgentRegistry(parseAgentsConfig(AGENTS, 'agents.yaml', {}), { defaultModel: 'gpt-test' });
  const connections = { listTools: jest.fn(listTools) } as unknown as McpConnections;
  const servers = { servers: () => Promise.resolve(tenant) } as unknown as McpServersService;
  const config = { MCP_TIMEOUT_MS: 20_000, RPC_TIMEOUT_MS: 3_000 } as AgentRunnerConfig;
  return new AgentsCatalog(registry, connections, servers, null as LlmClient | null, config);
}

describe('AgentsCatalog', () => {
  afterEach(() => jest.useRealTimers());

  it('answers within the RPC deadline: a server that does not answer is unreachable, the others are listed', async () => {
    jest.useFakeTimers();
    const list = catalog((server) =>
      server === 'fast'
        ? Promise.resolve({ ok: true, tools: [{ name: 'ping', inputSchema: {} }], durationMs: 1 })
        : new Promise<McpToolListResult>(() => undefined),
    ).list('tenant-a');
    await jest.advanceTimersByTimeAsync(2_000);
    const answer = await list;
    expect(answer).toEqual({
      llmConfigured: false,
      agents: [
        {
          name: 'general',
          alertTypes: [],
          isDefault: true,
          model: 'gpt-test',
          maxIterations: 8,
          mcpServers: [
            {
              name: 'fast',
              transport: 'http',
              scope: 'config',
              reachable: true,
              error: null,
              tools: [{ name: 'ping', description: null }],
            },
            {
              name: 'hanging',
              transport: 'http',
              scope: 'config',
              reachable: false,
              error: 'no answer within 2000 ms',
              tools: [],
            },
          ],
        },
      ],
    });
  });

  it('shows a tenant server that may not be used with the reason, without calling it', async () => {
    const listTools = jest.fn((_server: string) =>
      Promise.resolve<McpToolListResult>({ ok: true, tools: [], durationMs: 1 }),
    );
    const answer = await catalog(listTools, [
      {
        name: 'inside',
        usable: false,
        error: 'inside.example resolves to 10.0.0.7 (private), which is not a public address',
      },
    ]).list('tenant-a');
    expect(answer.agents[0]!.mcpServers.at(-1)).toEqual({
      name: 'inside',
      transport: 'http',
      scope: 'tenant',
      reachable: false,
      error: 'inside.example resolves to 10.0.0.7 (private), which is not a public address',
      tools: [],
    });
    expect(listTools.mock.calls.map(([server]) => server)).toEqual(['fast', 'hanging']);
  });
});
