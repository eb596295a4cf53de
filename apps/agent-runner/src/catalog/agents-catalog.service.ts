import { Inject, Injectable } from '@nestjs/common';
import type { AgentList, AgentMcpServerView } from '@vigil/contracts';
import { AGENT_RUNNER_CONFIG, type AgentRunnerConfig } from '../agent-runner.config.js';
import { AgentRegistry } from '../agents/index.js';
import { LLM_CLIENT } from '../core/agent-core.module.js';
import type { LlmClient } from '../llm/index.js';
import { McpConnections, type McpToolListResult } from '../mcp/index.js';
import { McpServersService } from './mcp-servers.service.js';

/** Room left for the answer to travel back before the caller's RPC deadline. */
const ANSWER_MARGIN_MS = 1_000;
const MIN_LISTING_MS = 1_000;

/**
 * GET /api/v1/agents: every configured agent with the tools it can reach, asked of each server now
 * (all at once). A server that is down, refuses, or does not answer in time is listed as unreachable
 * with the reason; the request itself never fails for it.
 */
@Injectable()
export class AgentsCatalog {
  /** How long the listing waits for a server: the MCP limit, but always within the caller's RPC deadline. */
  private readonly listingMs: number;

  constructor(
    private readonly registry: AgentRegistry,
    private readonly connections: McpConnections,
    private readonly tenantServers: McpServersService,
    @Inject(LLM_CLIENT) private readonly llm: LlmClient | null,
    @Inject(AGENT_RUNNER_CONFIG) config: AgentRunnerConfig,
  ) {
    this.listingMs = Math.min(
      config.MCP_TIMEOUT_MS,
      Math.max(MIN_LISTING_MS, config.RPC_TIMEOUT_MS - ANSWER_MARGIN_MS),
    );
  }

  async list(tenantId: string): Promise<AgentList> {
    const agents = this.registry.agents;
    const configured = [...new Set(agents.flatMap((agent) => agent.mcpServers.map((server) => server.name)))];
    const [configViews, tenantViews] = await Promise.all([
      Promise.all(
        configured.map(async (name): Promise<AgentMcpServerView> => {
          const transport = this.registry.config.mcpServers[name]!.transport;
          return viewOf(name, transport, 'config', await this.bounded(this.connections.listTools(name)));
        }),
      ),
      this.tenantViews(tenantId),
    ]);
    const byName = new Map(configViews.map((view) => [view.name, view]));
    return {
      agents: agents.map((agent) => ({
        name: agent.name,
        alertTypes: [...agent.alertTypes],
        isDefault: agent === this.registry.defaultAgent,
        model: agent.model,
        maxIterations: agent.maxIterations,
        mcpServers: [...agent.mcpServers.map((server) => byName.get(server.name)!), ...tenantViews],
      })),
      llmConfigured: this.llm !== null,
    };
  }

  /** The tenant's servers, each asked over a client of this listing only (closed afterwards). */
  private async tenantViews(tenantId: string): Promise<AgentMcpServerView[]> {
    const servers = await this.tenantServers.servers(tenantId);
    const specs = servers.flatMap((server) =>
      server.usable
        ? [{ ...server.spec, timeoutMs: Math.min(server.spec.timeoutMs ?? this.listingMs, this.listingMs) }]
        : [],
    );
    const clients = specs.length ? new McpConnections(specs, { defaultTimeoutMs: this.listingMs }) : null;
    try {
      return await Promise.all(
        servers.map(async (server) =>
          server.usable
            ? viewOf(server.name, 'http', 'tenant', await this.bounded(clients!.listTools(server.name)))
            : viewOf(server.name, 'http', 'tenant', { ok: false, error: server.error, durationMs: 0 }),
        ),
      );
    } finally {
      await clients?.close();
    }
  }

  /** The listing, or an unreachable result once the listing's time is up (the exchange keeps its own limit). */
  private async bounded(listing: Promise<McpToolListResult>): Promise<McpToolListResult> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<McpToolListResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, error: `no answer within ${this.listingMs} ms`, durationMs: this.listingMs }),
        this.listingMs,
      );
    });
    try {
      return await Promise.race([listing, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function viewOf(
  name: string,
  transport: 'stdio' | 'http',
  scope: 'config' | 'tenant',
  result: McpToolListResult,
): AgentMcpServerView {
  return result.ok
    ? {
        name,
        transport,
        scope,
        reachable: true,
        error: null,
        tools: result.tools.map((tool) => ({ name: tool.name, description: tool.description ?? null })),
      }
    : { name, transport, scope, reachable: false, error: result.error, tools: [] };
}
