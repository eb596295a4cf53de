import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Steps of (wait, notify channels), run while a critical or high alert stays unacknowledged, repeated `repeat` more times. */
@Entity({ name: 'notification_escalation_policies' })
@Index('UQ_notification_escalation_policies_tenant_name', ['tenantId', 'name'], { unique: true })
export class EscalationPolicyRow {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'name', type: 'varchar', length: 64 })
  name!: string;

  /** JSON array of {waitMinutes, channelIds}. */
  @Column({ name: 'steps', type: 'text' })
  steps!: string;

  @Column({ name: 'repeat', type: 'integer' })
  repeat!: number;

  /** Unix microseconds. */
  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 200, nullable: true })
  createdBy!: string | null;
}
