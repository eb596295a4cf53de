import type { ServiceDefinition } from '@vigil/runtime';
import { AgentRunnerConfig, loadAgentRunnerConfig } from './agent-runner.config.js';
import { AgentRunnerModule } from './agent-runner.module.js';
import { persistence } from './persistence.js';

export const agentRunnerApp: ServiceDefinition = {
  service: 'agent-runner',
  module: AgentRunnerModule,
  persistence,
  config: AgentRunnerConfig,
  // Each message is an investigation: a replica holds only those it runs, the rest wait for any replica.
  exactBusPrefetch: (common) => loadAgentRunnerConfig(common).AGENT_MAX_CONCURRENCY,
};
