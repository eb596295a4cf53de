import type { ServiceDefinition } from '@vigil/runtime';
import { AgentRunnerModule } from './agent-runner.module.js';
import { persistence } from './persistence.js';

export const agentRunnerApp: ServiceDefinition = {
  service: 'agent-runner',
  module: AgentRunnerModule,
  persistence,
};
