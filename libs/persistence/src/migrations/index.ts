import { InboxEntry } from '../inbox/inbox-entry.entity.js';
import type { DialectMigrations, EntityDefinition } from '../types.js';
import { CreateInbox1795361439096 as CreateInboxPostgres } from './postgres/1795361439096-CreateInbox.js';
import { CreateInbox1795361439096 as CreateInboxSqlite } from './sqlite/1795361439096-CreateInbox.js';
import { ServiceRoles1796231700000 } from './postgres/1796231700000-ServiceRoles.js';

/** Tables every service with a database has, whatever else it owns. */
export const SHARED_ENTITIES: readonly EntityDefinition[] = [InboxEntry];

/** Their committed migrations, oldest first. New ones: `npm run migration:generate -- shared <Name>`. */
export const SHARED_MIGRATIONS: DialectMigrations = {
  postgres: [CreateInboxPostgres, ServiceRoles1796231700000],
  sqlite: [CreateInboxSqlite],
};
