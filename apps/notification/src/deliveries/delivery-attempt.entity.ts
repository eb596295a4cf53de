import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const ATTEMPT_OUTCOMES = ['delivered', 'transient', 'permanent'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** One try of a delivery: when, how long, what the provider answered. Append-only. */
@Entity({ name: 'notification_delivery_attempts' })
@Index('IDX_notification_delivery_attempts_delivery', ['tenantId', 'deliveryId'])
@Index('IDX_notification_delivery_attempts_started', ['startedAtUs'])
export class DeliveryAttemptRow {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'delivery_id', type: 'uuid' })
  deliveryId!: string;

  /** 1-based. */
  @Column({ name: 'attempt', type: 'integer' })
  attempt!: number;

  @Column({ name: 'started_at_us', type: 'bigint' })
  startedAtUs!: string;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'outcome', type: 'varchar', length: 16 })
  outcome!: AttemptOutcome;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  /** JSON. */
  @Column({ name: 'provider_response', type: 'text', nullable: true })
  providerResponse!: string | null;
}
