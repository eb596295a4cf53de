import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A group of a route (its group-by label values) between messages: its alerts and when it is next due. */
@Entity({ name: 'notification_groups' })
@Index('IDX_notification_groups_due', ['nextAtUs'])
export class GroupRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'route_id', type: 'uuid' })
  routeId!: string;

  /** A digest of the group-by label values. */
  @PrimaryColumn({ name: 'group_key', type: 'varchar', length: 300 })
  groupKey!: string;

  /** JSON: the group-by labels and their values. */
  @Column({ name: 'labels', type: 'text' })
  labels!: string;

  /** JSON: the group's alerts as last seen (MessageAlert by alert id). */
  @Column({ name: 'members', type: 'text' })
  members!: string;

  /** Alert changes since the last message. */
  @Column({ name: 'changed', type: 'integer' })
  changed!: number;

  @Column({ name: 'first_at_us', type: 'bigint' })
  firstAtUs!: string;

  @Column({ name: 'next_at_us', type: 'bigint', nullable: true })
  nextAtUs!: string | null;

  @Column({ name: 'last_sent_at_us', type: 'bigint', nullable: true })
  lastSentAtUs!: string | null;

  @Column({ name: 'sent', type: 'integer', default: 0 })
  sent!: number;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;
}
