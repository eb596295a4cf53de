import { definePersistence, OutboxEntry } from '@vigil/persistence';
import { DELIVERY_ENTITIES } from './deliveries/entities.js';
import { CreateNotifications1796232461591 as CreatePostgres } from './migrations/postgres/1796232461591-CreateNotifications.js';
import { CreateNotifications1796232461591 as CreateSqlite } from './migrations/sqlite/1796232461591-CreateNotifications.js';
import { ChannelPace1796301674816 as PacePostgres } from './migrations/postgres/1796301674816-ChannelPace.js';
import { ChannelPace1796301674816 as PaceSqlite } from './migrations/sqlite/1796301674816-ChannelPace.js';
import { ChannelRow, EscalationPolicyRow, RouteRow } from './model/index.js';

/**
 * The tables the notification service owns, with their committed migrations per dialect. The shared inbox
 * (handled envelope ids) is added by @vigil/persistence. Tenant tables (row-level security on
 * PostgreSQL): the configuration (channels with their secrets sealed with SECRETS_KEY, routes,
 * escalation policies), the engine's deliveries, attempts, threads, groups, escalations and channel
 * turns (pacing shared by the replicas), and the outbox that holds the notification.* and
 * alert.escalated events until the broker has them.
 */
export const persistence = definePersistence('notification', {
  entities: [ChannelRow, RouteRow, EscalationPolicyRow, ...DELIVERY_ENTITIES, OutboxEntry],
  migrations: {
    postgres: [CreatePostgres, PacePostgres],
    sqlite: [CreateSqlite, PaceSqlite],
  },
});
