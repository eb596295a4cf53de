import { definePersistence, OutboxEntry } from '@vigil/persistence';
import { McpServerRow } from './catalog/mcp-server.entity.js';
import { InvestigationRow } from './investigations/investigation.entity.js';
import { CreateInvestigations1796210356940 as CreateInvestigationsPostgres } from './migrations/postgres/1796210356940-CreateInvestigations.js';
import { CreateInvestigations1796210356940 as CreateInvestigationsSqlite } from './migrations/sqlite/1796210356940-CreateInvestigations.js';
import { McpServers1796210487825 as McpServersPostgres } from './migrations/postgres/1796210487825-McpServers.js';
import { McpServers1796210487825 as McpServersSqlite } from './migrations/sqlite/1796210487825-McpServers.js';

/**
 * The tables the agent-runner service owns, with their committed migrations per dialect. The shared inbox
 * (handled envelope ids) is added by @vigil/persistence. Tenant tables (row-level security on
 * PostgreSQL): investigations, the outbox that holds the agent.* events until the broker has them, and
 * the MCP servers tenants added (their headers sealed with SECRETS_KEY).
 */
export const persistence = definePersistence('agent-runner', {
  entities: [InvestigationRow, OutboxEntry, McpServerRow],
  migrations: {
    postgres: [CreateInvestigationsPostgres, McpServersPostgres],
    sqlite: [CreateInvestigationsSqlite, McpServersSqlite],
  },
});
