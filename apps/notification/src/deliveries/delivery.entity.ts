import type { DeliveryStatus } from '@vigil/contracts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The route id of a delivery that belongs to no route (a roll-up or a fallback): the key never holds NULL. */
export const NO_ROUTE = '00000000-0000-0000-0000-000000000000';

/**
 * One message to one channel, or one alert change carried by another delivery's message (`grouped`,
 * with `parentId`). Keyed by what caused it (the alert.* envelope id, or the group, digest, roll-up,
 * escalation step or fallback it is), the route and the channel: a redelivered event finds its rows
 * and plans nothing twice. The worker sends the rows that are due (`nextAtUs`), whatever process
 * planned them, so a restart loses nothing.
 */
@Entity({ name: 'notification_deliveries' })
@Index('UQ_notification_deliveries_source', ['tenantId', 'sourceKey', 'routeId', 'channelId'], { unique: true })
@Index('IDX_notification_deliveries_due', ['status', 'nextAtUs'])
@Index('IDX_notification_deliveries_created', ['tenantId', 'createdAtUs'])
@Index('IDX_notification_deliveries_alert', ['tenantId', 'alertId'])
@Index('IDX_notification_deliveries_parent', ['tenantId', 'parentId'])
export class DeliveryRow {
  /** UUIDv7; also the provider's idempotency key (the email Message-ID). */
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  /** The alert.* envelope id, or `group:…`, `digest:…`, `rollup:…`, `esc:…`, `fallback:…`. */
  @Column({ name: 'source_key', type: 'varchar', length: 200 })
  sourceKey!: string;

  /** NO_ROUTE for a message that belongs to no single route. */
  @Column({ name: 'route_id', type: 'uuid' })
  routeId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  /** The alert of a single-alert message; null for a group, digest or roll-up. */
  @Column({ name: 'alert_id', type: 'uuid', nullable: true })
  alertId!: string | null;

  /** Why it is sent (MessageKind): created, retriggered, …, escalation, group, digest, rollup. */
  @Column({ name: 'kind', type: 'varchar', length: 16 })
  kind!: string;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: DeliveryStatus;

  /** JSON: the message to render (kind, alerts as they were, escalation step, omitted count). */
  @Column({ name: 'content', type: 'text' })
  content!: string;

  /** The group (or quiet-hours digest bucket) it waits in. */
  @Column({ name: 'group_key', type: 'varchar', length: 300, nullable: true })
  groupKey!: string | null;

  /** A grouped row: the delivery whose message carried it. */
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  /** Unix microseconds: when it is due (pending, held), or until when a sending claim lasts; null once final. */
  @Column({ name: 'next_at_us', type: 'bigint', nullable: true })
  nextAtUs!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** JSON: the provider's last answer. */
  @Column({ name: 'provider_response', type: 'text', nullable: true })
  providerResponse!: string | null;

  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;

  @Column({ name: 'delivered_at_us', type: 'bigint', nullable: true })
  deliveredAtUs!: string | null;
}
