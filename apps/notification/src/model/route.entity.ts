import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One route of a tenant's ordered list (Alertmanager's routes, flattened): which alerts it takes
 * (minimum severity, alert-type globs, label matchers), which changes it sends, where (channels, an
 * email fallback), how (grouping and its timing, quiet hours) and what escalates. Lists are JSON text.
 */
@Entity({ name: 'notification_routes' })
@Index('UQ_notification_routes_tenant_name', ['tenantId', 'name'], { unique: true })
@Index('IDX_notification_routes_tenant_position', ['tenantId', 'position'])
export class RouteRow {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'name', type: 'varchar', length: 64 })
  name!: string;

  /** 0 first; the tenant's routes are numbered without gaps. */
  @Column({ name: 'position', type: 'integer' })
  position!: number;

  @Column({ name: 'min_severity', type: 'varchar', length: 16, nullable: true })
  minSeverity!: string | null;

  /** JSON array of globs; empty: every alert type. */
  @Column({ name: 'alert_types', type: 'text' })
  alertTypes!: string;

  /** JSON array of {name, op, value}. */
  @Column({ name: 'label_matchers', type: 'text' })
  labelMatchers!: string;

  /** JSON array of the event kinds it sends. */
  @Column({ name: 'event_kinds', type: 'text' })
  eventKinds!: string;

  /** JSON array of channel ids. */
  @Column({ name: 'channel_ids', type: 'text' })
  channelIds!: string;

  @Column({ name: 'fallback_email_channel_id', type: 'uuid', nullable: true })
  fallbackEmailChannelId!: string | null;

  /** Alertmanager's `continue`: later routes are looked at too when this one matched. */
  @Column({ name: 'continue_matching', type: 'boolean' })
  continueMatching!: boolean;

  /** JSON array of label names; empty: no grouping. */
  @Column({ name: 'group_by', type: 'text' })
  groupBy!: string;

  @Column({ name: 'group_wait_s', type: 'integer' })
  groupWaitS!: number;

  @Column({ name: 'group_interval_s', type: 'integer' })
  groupIntervalS!: number;

  @Column({ name: 'repeat_interval_s', type: 'integer' })
  repeatIntervalS!: number;

  /** JSON {timeZone, start, end, days, overrideSeverity}, or null. */
  @Column({ name: 'quiet_hours', type: 'text', nullable: true })
  quietHours!: string | null;

  @Column({ name: 'escalation_policy_id', type: 'uuid', nullable: true })
  escalationPolicyId!: string | null;

  /** Unix microseconds. */
  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 200, nullable: true })
  createdBy!: string | null;
}
