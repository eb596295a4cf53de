import { Module } from '@nestjs/common';
import { CatalogModule } from './catalog/catalog.module.js';
import { AgentCoreModule } from './core/agent-core.module.js';
import { InvestigationsModule } from './investigations/investigations.module.js';

/**
 * The agent-runner service: core/ (configuration, agents, MCP and model clients), catalog/ (the agents
 * and the tenants' MCP servers over the API) and investigations/ (the investigation of each alert).
 */
@Module({
  imports: [AgentCoreModule, CatalogModule, InvestigationsModule],
})
export class AgentRunnerModule {}
