import { Module } from '@nestjs/common';
import { AGENT_RUNNER_CONFIG, type AgentRunnerConfig } from '../agent-runner.config.js';
import { TENANT_MCP_SPECS } from '../investigations/investigations.service.js';
import { AgentsCatalog } from './agents-catalog.service.js';
import { CatalogHandlers } from './catalog.handlers.js';
import { McpServerStore } from './mcp-server.store.js';
import { McpServersService, SECRET_BOX } from './mcp-servers.service.js';
import { SecretBox } from '@vigil/auth';

/**
 * What the agent runner offers over the API: its agents and their tools, and the tenants' own MCP
 * servers — which it also hands to investigations (TENANT_MCP_SPECS).
 */
@Module({
  controllers: [CatalogHandlers],
  providers: [
    {
      provide: SECRET_BOX,
      useFactory: (config: AgentRunnerConfig) =>
        SecretBox.load({ SECRETS_KEY: config.SECRETS_KEY, VIGIL_DATA_DIR: config.VIGIL_DATA_DIR }),
      inject: [AGENT_RUNNER_CONFIG],
    },
    McpServerStore,
    McpServersService,
    AgentsCatalog,
    { provide: TENANT_MCP_SPECS, useExisting: McpServersService },
  ],
  exports: [TENANT_MCP_SPECS],
})
export class CatalogModule {}
