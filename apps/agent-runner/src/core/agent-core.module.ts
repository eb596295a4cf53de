import path from 'node:path';
import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { CommonConfig } from '@vigil/config';
import { CONFIG } from '@vigil/runtime';
import { AGENT_RUNNER_CONFIG, loadAgentRunnerConfig, type AgentRunnerConfig } from '../agent-runner.config.js';
import { AgentRegistry, defaultAgentsConfigPath, loadAgentsConfig, type McpServerConfig } from '../agents/index.js';
import { LlmClient } from '../llm/index.js';
import { McpConnections, type McpServerSpec } from '../mcp/index.js';
import { parseAllowedCidrs, type Cidr } from '../safety/index.js';
import { ALERTS_URL_VARIABLE, AlertsLookup } from './alerts-lookup.js';

/** The model client, or null when OPENAI_BASE_URL is unset (investigations are then recorded as skipped). */
export const LLM_CLIENT = Symbol('LLM_CLIENT');
/** The parsed TOOLS_ALLOWED_CIDRS. */
export const ALLOWED_CIDRS = Symbol('ALLOWED_CIDRS');

/**
 * Where Vigil is installed (the repository root, /app in the images): the working directory of stdio
 * servers that name none, so the shipped `dist/apps/vigil-tools/...` path resolves wherever the
 * runner was started from.
 */
export function installationRoot(): string {
  return path.resolve(path.dirname(defaultAgentsConfigPath()), '..', '..');
}

/** An agents-file server entry as the MCP clients take it. */
export function mcpSpecOf(name: string, server: McpServerConfig): McpServerSpec {
  return server.transport === 'stdio'
    ? {
        name,
        transport: 'stdio',
        command: server.command,
        args: [...server.args],
        env: { ...server.env },
        cwd: server.cwd ? path.resolve(installationRoot(), server.cwd) : installationRoot(),
      }
    : {
        name,
        transport: 'http',
        url: server.url,
        headers: { ...server.headers },
        ...(server.timeoutMs !== undefined && { timeoutMs: server.timeoutMs }),
      };
}

/** Stops the MCP server processes when the service stops. */
@Injectable()
class McpShutdown implements OnApplicationShutdown {
  constructor(@Inject(McpConnections) private readonly connections: McpConnections) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connections.close();
  }
}

/**
 * What every part of the agent runner shares: its configuration, the agents (from the agents file,
 * checked at start-up), the MCP clients of the servers that file names, and the model client.
 */
@Global()
@Module({
  providers: [
    {
      provide: AGENT_RUNNER_CONFIG,
      useFactory: (common: CommonConfig) => loadAgentRunnerConfig(common),
      inject: [CONFIG],
    },
    {
      provide: AgentRegistry,
      useFactory: (config: AgentRunnerConfig) =>
        new AgentRegistry(loadAgentsConfig(process.env), { defaultModel: config.LLM_MODEL }),
      inject: [AGENT_RUNNER_CONFIG],
    },
    AlertsLookup,
    {
      provide: McpConnections,
      useFactory: async (registry: AgentRegistry, config: AgentRunnerConfig, lookup: AlertsLookup) => {
        // The stdio servers the runner starts learn where to ask for similar alerts (see AlertsLookup).
        const alertsUrl = await lookup.listen();
        return new McpConnections(
          Object.entries(registry.config.mcpServers).map(([name, server]) => {
            const spec = mcpSpecOf(name, server);
            return spec.transport === 'stdio'
              ? {
                  ...spec,
                  // The SDK starts stdio servers with a minimal environment: what the built-in tools
                  // need is passed on (an entry's own env wins).
                  env: {
                    [ALERTS_URL_VARIABLE]: alertsUrl,
                    ...(config.TOOLS_ALLOWED_CIDRS && { TOOLS_ALLOWED_CIDRS: config.TOOLS_ALLOWED_CIDRS }),
                    ...spec.env,
                  },
                }
              : spec;
          }),
          { defaultTimeoutMs: config.MCP_TIMEOUT_MS },
        );
      },
      inject: [AgentRegistry, AGENT_RUNNER_CONFIG, AlertsLookup],
    },
    {
      provide: LLM_CLIENT,
      useFactory: (config: AgentRunnerConfig): LlmClient | null =>
        config.OPENAI_BASE_URL
          ? new LlmClient({
              baseUrl: config.OPENAI_BASE_URL,
              ...(config.OPENAI_API_KEY && { apiKey: config.OPENAI_API_KEY }),
              model: config.LLM_MODEL,
              timeoutMs: config.LLM_TIMEOUT_MS,
              maxRetries: config.LLM_MAX_RETRIES,
              backoffMs: config.LLM_BACKOFF_MS,
              maxBackoffMs: config.LLM_MAX_BACKOFF_MS,
              maxRetryAfterMs: config.LLM_MAX_RETRY_AFTER_MS,
            })
          : null,
      inject: [AGENT_RUNNER_CONFIG],
    },
    {
      provide: ALLOWED_CIDRS,
      useFactory: (config: AgentRunnerConfig): Cidr[] => parseAllowedCidrs(config.TOOLS_ALLOWED_CIDRS),
      inject: [AGENT_RUNNER_CONFIG],
    },
    McpShutdown,
  ],
  exports: [AGENT_RUNNER_CONFIG, AgentRegistry, McpConnections, LLM_CLIENT, ALLOWED_CIDRS, AlertsLookup],
})
export class AgentCoreModule {}
