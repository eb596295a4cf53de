import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An alert's escalation on one route: the step that runs next and when; stopped by ack, resolve or silence. */
@Entity({ name: 'notification_escalations' })
@Index('IDX_notification_escalations_due', ['nextAtUs'])
export class EscalationRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  @PrimaryColumn({ name: 'route_id', type: 'uuid' })
  routeId!: string;

  @Column({ name: 'policy_id', type: 'uuid' })
  policyId!: string;

  /** The next step (0-based). */
  @Column({ name: 'step', type: 'integer' })
  step!: number;

  /** Rounds completed. */
  @Column({ name: 'round', type: 'integer' })
  round!: number;

  /** Null once stopped or finished. */
  @Column({ name: 'next_at_us', type: 'bigint', nullable: true })
  nextAtUs!: string | null;

  /** acknowledged, resolved, silenced, finished; null while it runs. */
  @Column({ name: 'stopped', type: 'varchar', length: 16, nullable: true })
  stopped!: string | null;

  /** JSON: the alert (AlertSnapshot) when its escalation started, for the messages and alert.escalated. */
  @Column({ name: 'alert', type: 'text' })
  alert!: string;

  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;
}
