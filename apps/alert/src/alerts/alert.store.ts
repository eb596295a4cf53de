import { Injectable, NotFoundException } from '@nestjs/common';
import { chunks, placeholders, type Row, type Sql } from '@vigil/persistence';
import { v7 as uuidv7 } from 'uuid';
import type { AlertState, TimelineDraft } from '../lifecycle/lifecycle.js';
import {
  ALERT_COLUMNS,
  ANALYSIS_COLUMNS,
  EVENT_COLUMNS,
  SEARCH_COLUMNS,
  STATE_COLUMNS,
  UPSERT_ALERTS,
  UPSERT_SEARCH,
  alertParams,
  analysisParams,
  eventParams,
  stateOf,
} from './rows.js';

/**
 * The transaction-scoped advisory lock ingest takes on a tenant before it reads the tenant's alerts:
 * two replicas never both create the same new alert.
 */
export function ingestLockOf(tenantId: string): string {
  return `vigil.alert.ingest:${tenantId}`;
}

/** A timeline entry for one alert, as the rules drafted it. */
export interface TimelineWrite {
  alertId: string;
  draft: TimelineDraft;
}

/** The alert_search row of an alert: its labels and its searchable text. */
export interface SearchWrite {
  alertId: string;
  labels: string;
  search: string;
}

/**
 * SQL on the alert rows, their search rows and their timelines, inside the caller's transaction
 * (scoped to `tenantId`). No rules here: the callers fold states through lifecycle.ts.
 */
@Injectable()
export class AlertStore {
  /**
   * The stored states of `ids`, locked for the rest of the transaction on PostgreSQL (in id order,
   * so two writers lock in the same order).
   */
  async lockStates(sql: Sql, tenantId: string, ids: readonly string[]): Promise<Map<string, AlertState>> {
    const postgres = sql.dialect === 'postgres';
    const states = new Map<string, AlertState>();
    for (const part of chunks(ids)) {
      const rows = await sql.query<Row>(
        `SELECT ${STATE_COLUMNS} FROM alerts WHERE tenant_id = ? AND id IN (${placeholders(part.length)})${postgres ? ' ORDER BY id FOR UPDATE' : ''}`,
        [tenantId, ...part],
      );
      for (const row of rows) states.set(row['id'] as string, stateOf(row));
    }
    return states;
  }

  /** One alert's state; another tenant's alert and a missing one are the same 404. */
  async load(sql: Sql, tenantId: string, id: string, forUpdate: boolean): Promise<AlertState> {
    const lock = forUpdate && sql.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await sql.query<Row>(`SELECT ${STATE_COLUMNS} FROM alerts WHERE tenant_id = ? AND id = ?${lock}`, [
      tenantId,
      id,
    ]);
    if (!row) throw new NotFoundException(`alert ${id} not found`);
    return stateOf(row);
  }

  /** Inserts or replaces the states (keyed by tenant and id), their changed search rows and timeline entries. */
  async save(
    sql: Sql,
    tenantId: string,
    states: readonly AlertState[],
    timeline: readonly TimelineWrite[],
    searches: readonly SearchWrite[] = [],
  ): Promise<void> {
    await sql.insertAll([
      { table: 'alerts', columns: ALERT_COLUMNS, rows: states.map(alertParams), suffix: UPSERT_ALERTS },
      {
        table: 'alert_search',
        columns: SEARCH_COLUMNS,
        rows: searches.map((s) => [tenantId, s.alertId, s.labels, s.search]),
        suffix: UPSERT_SEARCH,
      },
      {
        table: 'alert_events',
        columns: EVENT_COLUMNS,
        rows: timeline.map((t) => eventParams(tenantId, t.alertId, uuidv7(), t.draft)),
      },
    ]);
  }

  /**
   * Writes a state's analysis (and its updated_at) on its row, apart from the ingest upsert, which
   * never touches the analysis columns.
   */
  async saveAnalysis(sql: Sql, state: AlertState): Promise<void> {
    if (!state.analysis) throw new Error(`alert ${state.id}: no analysis to save`);
    const sets = ANALYSIS_COLUMNS.map((column) => `${column} = ?`).join(', ');
    await sql.query(`UPDATE alerts SET ${sets}, updated_at_us = ? WHERE tenant_id = ? AND id = ?`, [
      ...analysisParams(state.analysis),
      state.updatedAt,
      state.tenantId,
      state.id,
    ]);
  }

  /** Inserts one timeline entry; returns its id. */
  async addEntry(sql: Sql, tenantId: string, alertId: string, draft: TimelineDraft): Promise<string> {
    const id = uuidv7();
    await sql.insert('alert_events', EVENT_COLUMNS, [eventParams(tenantId, alertId, id, draft)]);
    return id;
  }
}
