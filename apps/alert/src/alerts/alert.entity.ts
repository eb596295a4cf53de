import { OutboxEntry } from '@vigil/persistence';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One alert per (tenant, fingerprint); `id` = alertIdOf(tenantId, fingerprint). Times are integer
 * unix microseconds (`*_us`), exact in both dialects. What the API returns verbatim lives in JSON
 * text columns (`doc`, `steps`); the plain columns beside them exist for filters, sorting and
 * search (NUL replaced: see alerts/text.ts). The schema is written by SQL in the *.store.ts files (upserts), not
 * through repositories; this class describes it for migrations.
 */
@Entity({ name: 'alerts' })
@Index('IDX_alerts_last_seen', ['tenantId', 'lastSeenAtUs', 'id'])
@Index('IDX_alerts_status_last_seen', ['tenantId', 'status', 'lastSeenAtUs', 'id'])
@Index('IDX_alerts_started', ['tenantId', 'startedAtUs', 'id'])
@Index('IDX_alerts_severity', ['tenantId', 'severityRank', 'id'])
@Index('IDX_alerts_occurrences', ['tenantId', 'occurrences', 'id'])
@Index('IDX_alerts_type_last_seen', ['tenantId', 'alertType', 'lastSeenAtUs', 'id'])
export class AlertRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'fingerprint', type: 'varchar', length: 256 })
  fingerprint!: string;

  @Column({ name: 'alert_type', type: 'varchar', length: 256 })
  alertType!: string;

  @Column({ name: 'severity', type: 'varchar', length: 16 })
  severity!: string;

  /** critical 5 … info 1: sorting by severity. */
  @Column({ name: 'severity_rank', type: 'smallint' })
  severityRank!: number;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: string;

  @Column({ name: 'source', type: 'varchar', length: 32 })
  source!: string;

  @Column({ name: 'silenced', type: 'boolean' })
  silenced!: boolean;

  @Column({ name: 'occurrences', type: 'integer' })
  occurrences!: number;

  /** The source's alert as received (latest occurrence), exact JSON. */
  @Column({ name: 'doc', type: 'text' })
  doc!: string;

  /** `{ acknowledged, resolved }` steps (at, by, note), exact JSON. */
  @Column({ name: 'steps', type: 'text' })
  steps!: string;

  @Column({ name: 'started_at_us', type: 'bigint' })
  startedAtUs!: string;

  @Column({ name: 'triggered_at_us', type: 'bigint' })
  triggeredAtUs!: string;

  @Column({ name: 'last_seen_at_us', type: 'bigint' })
  lastSeenAtUs!: string;

  @Column({ name: 'acknowledged_at_us', type: 'bigint', nullable: true })
  acknowledgedAtUs!: string | null;

  @Column({ name: 'resolved_at_us', type: 'bigint', nullable: true })
  resolvedAtUs!: string | null;

  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;

  /** Occurrence coalescing: when the last `occurrence` entry was written, and the count then. */
  @Column({ name: 'occ_logged_at_us', type: 'bigint' })
  occLoggedAtUs!: string;

  @Column({ name: 'occ_logged', type: 'integer' })
  occLogged!: number;

  /**
   * The latest investigation (agent session) of the alert: its id (UUIDv7, so later sessions sort
   * after earlier ones), status, when it ended, and `{ agent, text }` as exact JSON. Written only by
   * the agent.session.* consumer, never by the ingest upsert.
   */
  @Column({ name: 'analysis_session_id', type: 'uuid', nullable: true })
  analysisSessionId!: string | null;

  @Column({ name: 'analysis_status', type: 'varchar', length: 16, nullable: true })
  analysisStatus!: string | null;

  @Column({ name: 'analysis_completed_at_us', type: 'bigint', nullable: true })
  analysisCompletedAtUs!: string | null;

  /** `{ agent, text }`, exact JSON (the model's answer may hold anything, NUL included). */
  @Column({ name: 'analysis_doc', type: 'text', nullable: true })
  analysisDoc!: string | null;
}

/**
 * What `label` and `q` filter on, one row per alert, apart from `alerts` so that a repeat (which
 * rewrites the alert row) rewrites it — and its GIN indexes — only when the searchable text changed.
 */
@Entity({ name: 'alert_search' })
// PostgreSQL only, created by the migration: trigram index for `q`, GIN over labels for `label`.
@Index('IDX_alert_search_trgm', { synchronize: false })
@Index('IDX_alert_search_labels', { synchronize: false })
export class AlertSearchRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  /** Labels as JSON with NUL replaced (label filters; `::jsonb` on PostgreSQL). */
  @Column({ name: 'labels', type: 'text' })
  labels!: string;

  /** Lower-cased summary, description and labels: what `q` searches. */
  @Column({ name: 'search', type: 'text' })
  search!: string;
}

/** The alert's own timeline: created, occurrence (coalesced), status steps, notes, analysis. */
@Entity({ name: 'alert_events' })
// Retention (every tenant's entries older than ALERT_EVENTS_RETENTION_DAYS).
@Index('IDX_alert_events_at', ['atUs'])
export class AlertEventRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  @PrimaryColumn({ name: 'at_us', type: 'bigint' })
  atUs!: string;

  /** UUIDv7, increasing within a process: orders entries of the same microsecond. */
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'kind', type: 'varchar', length: 16 })
  kind!: string;

  @Column({ name: 'actor', type: 'varchar', length: 200, nullable: true })
  actor!: string | null;

  /** `{ note, details }`, exact JSON. */
  @Column({ name: 'body', type: 'text' })
  body!: string;
}

@Entity({ name: 'silences' })
@Index('IDX_silences_ends', ['tenantId', 'endsAtUs'])
@Index('IDX_silences_created', ['tenantId', 'createdAtUs', 'id'])
export class SilenceRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  /** `{ matchers, comment }`, exact JSON. */
  @Column({ name: 'doc', type: 'text' })
  doc!: string;

  @Column({ name: 'starts_at_us', type: 'bigint' })
  startsAtUs!: string;

  @Column({ name: 'ends_at_us', type: 'bigint' })
  endsAtUs!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 200, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;
}

/** Payloads the gateway authenticated but could not map, kept raw with the reason. */
@Entity({ name: 'rejected_payloads' })
@Index('IDX_rejected_payloads_received', ['tenantId', 'receivedAtUs', 'id'])
// Retention (every tenant's payloads older than ALERT_REJECTED_RETENTION_DAYS).
@Index('IDX_rejected_payloads_received_at', ['receivedAtUs'])
export class RejectedPayloadRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  /** The id of the envelope that carried it: a redelivery is the same row. */
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'received_at_us', type: 'bigint' })
  receivedAtUs!: string;

  @Column({ name: 'source', type: 'varchar', length: 32 })
  source!: string;

  /** `{ reason, contentType, body }`, exact JSON (the body may hold anything, NUL included). */
  @Column({ name: 'doc', type: 'text' })
  doc!: string;
}

export const ALERT_ENTITIES = [AlertRow, AlertSearchRow, AlertEventRow, SilenceRow, RejectedPayloadRow, OutboxEntry];
