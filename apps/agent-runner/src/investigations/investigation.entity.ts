import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const INVESTIGATION_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'skipped'] as const;
export type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number];
/** The statuses of an investigation that is queued or running: at most one per alert. */
export const ACTIVE_STATUSES: readonly InvestigationStatus[] = ['pending', 'in_progress'];

/**
 * The agent runner's record of each investigation (its session), as far as running it needs: which
 * alert, where it stands, and when it last showed life. The steps themselves are events for the
 * history service; this row is what lets a restarted or another replica tell a session that was cut
 * off (in_progress, not touched since) from one still running, and refuse a second investigation of an
 * alert while one is queued or running.
 */
@Entity({ name: 'investigations' })
@Index('UQ_investigations_active_alert', ['tenantId', 'alertId'], {
  unique: true,
  where: `"status" IN ('pending', 'in_progress')`,
})
@Index('IDX_investigations_status_heartbeat', ['status', 'heartbeatAtUs'])
@Index('IDX_investigations_source', ['tenantId', 'sourceId'])
export class InvestigationRow {
  @PrimaryColumn({ name: 'session_id', type: 'uuid' })
  sessionId!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  /** The envelope that asked for it (alert.created, agent.investigation.requested): a redelivery finds it. */
  @Column({ name: 'source_id', type: 'uuid', nullable: true })
  sourceId!: string | null;

  /** `alert` (a new alert) or `manual` (asked for through the API). */
  @Column({ name: 'trigger', type: 'varchar', length: 16 })
  trigger!: string;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: InvestigationStatus;

  /** The agent that runs it, once it started. */
  @Column({ name: 'agent', type: 'varchar', length: 64, nullable: true })
  agent!: string | null;

  /** The user or API key that asked for it (manual). */
  @Column({ name: 'requested_by', type: 'varchar', length: 200, nullable: true })
  requestedBy!: string | null;

  /** Why it failed or was skipped. */
  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  /** Unix microseconds. */
  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;

  @Column({ name: 'started_at_us', type: 'bigint', nullable: true })
  startedAtUs!: string | null;

  @Column({ name: 'ended_at_us', type: 'bigint', nullable: true })
  endedAtUs!: string | null;

  /** The sequence number of the last agent.* event written for the session (its closing one follows it). */
  @Column({ name: 'last_sequence', type: 'integer', default: 0 })
  lastSequence!: number;

  /** Renewed while it runs; an in_progress row left untouched for long was cut off. */
  @Column({ name: 'heartbeat_at_us', type: 'bigint' })
  heartbeatAtUs!: string;
}
