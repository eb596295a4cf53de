import { definePersistence, OutboxEntry } from '@vigil/persistence';
import { DELIVERY_ENTITIES } from './deliveries/entities.js';
import { CreateNotifications1796232461591 as CreatePostgres } from './migrations/postgres/1796232461591-CreateNotifications.js';
import { CreateNotifications1796232461591 as CreateSqlite } from './migrations/sqlite/1796232461591-CreateNotifications.js';
import { ChannelRow, EscalationPolicyRow, RouteRow } from './model/index.js';

/**
 * The tables the notification service owns, with their committed migrations per dialect. The shared inbox
 * (handled envelope ids) is added by @vigil/persistence. Tenant tables (row-level security on
 * PostgreSQL): the configuration (channels with their secrets sealed with SECRETS_KEY, routes,
 * escalation policies), the engine's deliveries, attempts, threads, groups and escalations, and the
 * outbox that holds the notification.* and alert.escalated events until the broker has them.
 */
export const persistence = definePersistence('notification', {
  entities: [ChannelRow, RouteRow, EscalationPolicyRow, ...DELIVERY_ENTITIES, OutboxEntry],
  migrations: {
    postgres: [CreatePostgres],
    sqlite: [CreateSqlite],
  },
});
