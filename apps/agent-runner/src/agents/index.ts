export {
  AGENTS_CONFIG_VARIABLE,
  AgentsConfigError,
  DEFAULT_MAX_ITERATIONS,
  MAX_ITERATIONS_LIMIT,
  MAX_TIMEOUT_MS,
  agentsConfigPath,
  defaultAgentsConfigPath,
  loadAgentsConfig,
  parseAgentsConfig,
  type AgentConfig,
  type AgentsConfig,
  type HttpMcpServerConfig,
  type McpServerConfig,
  type StdioMcpServerConfig,
} from './agents-config.js';
export { AgentRegistry, type Agent, type AgentRegistryOptions, type NamedMcpServer } from './agent-registry.js';
export { interpolate } from './interpolate.js';
