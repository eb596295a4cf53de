import { globToRegExp } from '@vigil/contracts';
import type { AgentConfig, AgentsConfig, McpServerConfig } from './agents-config.js';

/** An MCP server entry with its name. */
export type NamedMcpServer = McpServerConfig & { readonly name: string };

/** An agent ready to run: its model resolved and its MCP servers looked up. */
export interface Agent {
  readonly name: string;
  readonly alertTypes: readonly string[];
  readonly systemPrompt: string;
  /** The agent's own model, else the service's default. */
  readonly model: string;
  readonly maxIterations: number;
  /** In the order the agent lists them. */
  readonly mcpServers: readonly NamedMcpServer[];
}

export interface AgentRegistryOptions {
  /** The model of agents that do not name one (LLM_MODEL). */
  readonly defaultModel: string;
}

/** The configured agents, and which one investigates an alert of a given type. */
export class AgentRegistry {
  private readonly byName = new Map<string, Agent>();
  private readonly matchers: { readonly agent: Agent; readonly patterns: readonly RegExp[] }[];
  private readonly fallback: Agent;

  constructor(
    readonly config: AgentsConfig,
    options: AgentRegistryOptions,
  ) {
    if (!options.defaultModel.trim()) throw new Error('AgentRegistry: defaultModel must not be empty');
    const resolve = (agent: AgentConfig): Agent =>
      Object.freeze({
        name: agent.name,
        alertTypes: agent.alertTypes,
        systemPrompt: agent.systemPrompt,
        model: agent.model ?? options.defaultModel,
        maxIterations: agent.maxIterations,
        mcpServers: Object.freeze(agent.mcpServers.map((name) => this.serverNamed(name))),
      });
    for (const agent of config.agents) this.byName.set(agent.name, resolve(agent));
    this.matchers = [...this.byName.values()].map((agent) => ({ agent, patterns: agent.alertTypes.map(globToRegExp) }));
    const fallback = this.byName.get(config.defaultAgent);
    if (!fallback) throw new Error(`AgentRegistry: defaultAgent "${config.defaultAgent}" is not an agent`);
    this.fallback = fallback;
  }

  /** Every agent, in the configuration's order. */
  get agents(): readonly Agent[] {
    return [...this.byName.values()];
  }

  /** The agent for alerts no agent's globs match. */
  get defaultAgent(): Agent {
    return this.fallback;
  }

  /** The first agent (in the configuration's order) with a glob matching `alertType`, else the default agent. */
  agentFor(alertType: string): Agent {
    return (
      this.matchers.find(({ patterns }) => patterns.some((pattern) => pattern.test(alertType)))?.agent ?? this.fallback
    );
  }

  /** The agent called `name`, if any. */
  agent(name: string): Agent | undefined {
    return this.byName.get(name);
  }

  private serverNamed(name: string): NamedMcpServer {
    const server = this.config.mcpServers[name];
    if (!server) throw new Error(`AgentRegistry: MCP server "${name}" is not configured`);
    return Object.freeze({ ...server, name });
  }
}
