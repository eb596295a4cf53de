import { definePersistence, OutboxEntry } from '@vigil/persistence';
import { InvestigationRow } from './investigations/investigation.entity.js';
import { CreateInvestigations1796210356940 as CreateInvestigationsPostgres } from './migrations/postgres/1796210356940-CreateInvestigations.js';
import { CreateInvestigations1796210356940 as CreateInvestigationsSqlite } from './migrations/sqlite/1796210356940-CreateInvestigations.js';

/**
 * The tables the agent-runner service owns, with their committed migrations per dialect. The shared inbox
 * (handled envelope ids) is added by @vigil/persistence. Tenant tables (row-level security on
 * PostgreSQL): investigations, and the outbox that holds the agent.* events until the broker has them.
 */
export const persistence = definePersistence('agent-runner', {
  entities: [InvestigationRow, OutboxEntry],
  migrations: {
    postgres: [CreateInvestigationsPostgres],
    sqlite: [CreateInvestigationsSqlite],
  },
});
