import { Injectable } from '@nestjs/common';
import type { Sql } from '@vigil/persistence';
import type { InvestigationStatus } from './investigation.entity.js';

/** An investigation row as the service reads it. */
export interface Investigation {
  sessionId: string;
  tenantId: string;
  alertId: string;
  sourceId: string | null;
  trigger: 'alert' | 'manual';
  status: InvestigationStatus;
  agent: string | null;
  requestedBy: string | null;
  error: string | null;
  lastSequence: number;
  createdAtUs: bigint;
}

export interface NewInvestigation {
  sessionId: string;
  tenantId: string;
  alertId: string;
  sourceId: string | null;
  trigger: 'alert' | 'manual';
  status: 'pending' | 'in_progress';
  agent: string | null;
  requestedBy: string | null;
  nowUs: bigint;
}

const COLUMNS = `session_id, tenant_id, alert_id, source_id, "trigger", status, agent, requested_by, error, last_sequence, created_at_us`;

/** The SQL of the investigations table. Every call runs inside a Transactions transaction. */
@Injectable()
export class InvestigationStore {
  async bySession(sql: Sql, tenantId: string, sessionId: string): Promise<Investigation | null> {
    const rows = await sql.query(`SELECT ${COLUMNS} FROM investigations WHERE tenant_id = ? AND session_id = ?`, [
      tenantId,
      sessionId,
    ]);
    return rows[0] ? rowOf(rows[0]) : null;
  }

  /** The latest investigation a given envelope asked for. */
  async bySource(sql: Sql, tenantId: string, sourceId: string): Promise<Investigation | null> {
    const rows = await sql.query(
      `SELECT ${COLUMNS} FROM investigations WHERE tenant_id = ? AND source_id = ? ORDER BY created_at_us DESC, session_id DESC LIMIT 1`,
      [tenantId, sourceId],
    );
    return rows[0] ? rowOf(rows[0]) : null;
  }

  /** The investigation of the alert that is queued or running, if any. */
  async activeFor(sql: Sql, tenantId: string, alertId: string): Promise<Investigation | null> {
    const rows = await sql.query(
      `SELECT ${COLUMNS} FROM investigations WHERE tenant_id = ? AND alert_id = ? AND status IN ('pending', 'in_progress')`,
      [tenantId, alertId],
    );
    return rows[0] ? rowOf(rows[0]) : null;
  }

  async insert(sql: Sql, row: NewInvestigation): Promise<void> {
    const now = String(row.nowUs);
    await sql.run(
      `INSERT INTO investigations (session_id, tenant_id, alert_id, source_id, "trigger", status, agent, requested_by, last_sequence, created_at_us, started_at_us, heartbeat_at_us)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
      [
        row.sessionId,
        row.tenantId,
        row.alertId,
        row.sourceId,
        row.trigger,
        row.status,
        row.agent,
        row.requestedBy,
        now,
        row.status === 'in_progress' ? now : null,
        now,
      ],
    );
  }

  /** pending → in_progress; false when it was not pending any more. */
  async markStarted(sql: Sql, tenantId: string, sessionId: string, agent: string, nowUs: bigint): Promise<boolean> {
    const changed = await sql.run(
      `UPDATE investigations SET status = 'in_progress', agent = ?, started_at_us = ?, heartbeat_at_us = ?, last_sequence = 0
       WHERE tenant_id = ? AND session_id = ? AND status = 'pending'`,
      [agent, String(nowUs), String(nowUs), tenantId, sessionId],
    );
    return changed === 1;
  }

  /** Closes an active session; false when it was already closed (by a sweep, or a redelivery). */
  async close(
    sql: Sql,
    tenantId: string,
    sessionId: string,
    status: 'completed' | 'failed' | 'skipped',
    error: string | null,
    lastSequence: number,
    nowUs: bigint,
    onlyIfStaleBeforeUs?: bigint,
  ): Promise<boolean> {
    const stale = onlyIfStaleBeforeUs === undefined ? '' : ' AND heartbeat_at_us < ?';
    const changed = await sql.run(
      `UPDATE investigations SET status = ?, error = ?, last_sequence = ?, ended_at_us = ?, heartbeat_at_us = ?
       WHERE tenant_id = ? AND session_id = ? AND status IN ('pending', 'in_progress')${stale}`,
      [
        status,
        error,
        lastSequence,
        String(nowUs),
        String(nowUs),
        tenantId,
        sessionId,
        ...(onlyIfStaleBeforeUs === undefined ? [] : [String(onlyIfStaleBeforeUs)]),
      ],
    );
    return changed === 1;
  }

  /** Written with each batch of the session's events: its last sequence, and a sign of life. */
  async progress(sql: Sql, tenantId: string, sessionId: string, lastSequence: number, nowUs: bigint): Promise<void> {
    await sql.run(
      `UPDATE investigations SET last_sequence = CASE WHEN last_sequence > ? THEN last_sequence ELSE ? END, heartbeat_at_us = ?
       WHERE tenant_id = ? AND session_id = ?`,
      [lastSequence, lastSequence, String(nowUs), tenantId, sessionId],
    );
  }

  async heartbeat(sql: Sql, tenantId: string, sessionIds: string[], nowUs: bigint): Promise<void> {
    if (!sessionIds.length) return;
    await sql.run(
      `UPDATE investigations SET heartbeat_at_us = ? WHERE tenant_id = ? AND status = 'in_progress' AND session_id IN (${sessionIds.map(() => '?').join(', ')})`,
      [String(nowUs), tenantId, ...sessionIds],
    );
  }

  /** Every tenant's queued and running sessions, oldest first (platform transaction). */
  async active(sql: Sql, limit = 1000): Promise<Investigation[]> {
    const rows = await sql.query(
      `SELECT ${COLUMNS} FROM investigations WHERE status IN ('pending', 'in_progress')
       ORDER BY created_at_us LIMIT ${Math.trunc(limit)}`,
    );
    return rows.map(rowOf);
  }

  /** Sessions of every tenant left in_progress with no sign of life since `beforeUs`, or pending since `pendingBeforeUs` (platform transaction). */
  async stale(sql: Sql, beforeUs: bigint, pendingBeforeUs: bigint, limit = 100): Promise<Investigation[]> {
    const rows = await sql.query(
      `SELECT ${COLUMNS} FROM investigations
       WHERE (status = 'in_progress' AND heartbeat_at_us < ?) OR (status = 'pending' AND heartbeat_at_us < ?)
       ORDER BY heartbeat_at_us LIMIT ${Math.trunc(limit)}`,
      [String(beforeUs), String(pendingBeforeUs)],
    );
    return rows.map(rowOf);
  }
}

function rowOf(row: Record<string, unknown>): Investigation {
  return {
    sessionId: String(row.session_id),
    tenantId: String(row.tenant_id),
    alertId: String(row.alert_id),
    sourceId: row.source_id === null ? null : String(row.source_id),
    trigger: row.trigger as Investigation['trigger'],
    status: row.status as InvestigationStatus,
    agent: (row.agent as string | null) ?? null,
    requestedBy: (row.requested_by as string | null) ?? null,
    error: (row.error as string | null) ?? null,
    lastSequence: Number(row.last_sequence),
    createdAtUs: BigInt(row.created_at_us as string | number),
  };
}
