import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AuditEntryView } from '@vigil/contracts';

/** Who did what, when, from where: sign-ins, failed sign-ins and every change to users, teams and keys. */
@Entity({ name: 'audit_log' })
@Index('IDX_audit_log_tenant_id', ['tenantId', 'id'], { unique: true })
@Index('IDX_audit_log_tenant_at', ['tenantId', 'at'])
// Retention (every tenant's entries older than AUDIT_RETENTION_DAYS).
@Index('IDX_audit_log_at', ['at'])
export class AuditEntryEntity {
  /** UUIDv7: newest first is id descending. */
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'at', type: Date })
  at!: Date;

  @Column({ name: 'action', type: 'varchar', length: 100 })
  action!: string;

  @Column({ name: 'actor_type', type: 'varchar', length: 16 })
  actorType!: string;

  @Column({ name: 'actor_id', type: 'varchar', length: 200, nullable: true })
  actorId!: string | null;

  @Column({ name: 'target_type', type: 'varchar', length: 100, nullable: true })
  targetType!: string | null;

  @Column({ name: 'target_id', type: 'varchar', length: 200, nullable: true })
  targetId!: string | null;

  @Column({ name: 'ip', type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'details', type: 'simple-json' })
  details!: Record<string, unknown>;
}

export function auditEntryView(entry: AuditEntryEntity): AuditEntryView {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    action: entry.action,
    actorType: entry.actorType,
    actorId: entry.actorId,
    targetType: entry.targetType,
    targetId: entry.targetId,
    ip: entry.ip,
    details: entry.details,
  };
}
