import { Injectable, NotFoundException } from '@nestjs/common';
import type { PageWindow } from '@vigil/contracts';
import type { Row, Sql } from '@vigil/persistence';
import type { Micros } from '../alerts/time.js';

const COLUMNS = 'id, doc, starts_at_us, ends_at_us, created_by, created_at_us';

/** A silence as stored: `doc` is its matchers and comment (JSON text). */
export interface SilenceRecord {
  id: string;
  doc: string;
  startsAt: Micros;
  endsAt: Micros;
}

/** SQL on the silences table, in the caller's tenant-scoped transaction. */
@Injectable()
export class SilencesStore {
  async insert(
    sql: Sql,
    tenantId: string,
    silence: SilenceRecord,
    createdBy: string | null,
    now: Micros,
  ): Promise<void> {
    await sql.run(
      'INSERT INTO silences (tenant_id, id, doc, starts_at_us, ends_at_us, created_by, created_at_us, updated_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [tenantId, silence.id, silence.doc, silence.startsAt, silence.endsAt, createdBy, now, now],
    );
  }

  async update(sql: Sql, tenantId: string, silence: SilenceRecord, now: Micros): Promise<void> {
    await sql.run(
      'UPDATE silences SET doc = ?, starts_at_us = ?, ends_at_us = ?, updated_at_us = ? WHERE tenant_id = ? AND id = ?',
      [silence.doc, silence.startsAt, silence.endsAt, now, tenantId, silence.id],
    );
  }

  async delete(sql: Sql, tenantId: string, id: string): Promise<void> {
    await sql.run('DELETE FROM silences WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  }

  /** One silence's row; another tenant's and a missing one are the same 404. */
  async load(sql: Sql, tenantId: string, id: string): Promise<Row> {
    const [row] = await sql.query<Row>(`SELECT ${COLUMNS} FROM silences WHERE tenant_id = ? AND id = ?`, [
      tenantId,
      id,
    ]);
    if (!row) throw new NotFoundException(`silence ${id} not found`);
    return row;
  }

  /** A page of rows, newest first (`limit + 1` rows: the extra one says a next page exists). */
  page(sql: Sql, tenantId: string, window: PageWindow): Promise<Row[]> {
    const after = window.after ? ' AND (created_at_us, id) < (?, ?)' : '';
    return sql.query<Row>(
      `SELECT ${COLUMNS} FROM silences WHERE tenant_id = ?${after} ORDER BY created_at_us DESC, id DESC LIMIT ${window.limit + 1}`,
      window.after ? [tenantId, window.after.key, window.after.id] : [tenantId],
    );
  }

  /**
   * The docs of the silences active at `now`. With `lock` (PostgreSQL), first takes that
   * transaction-scoped advisory lock, in the same round trip.
   */
  async activeDocs(sql: Sql, tenantId: string, now: Micros, lock?: string): Promise<string[]> {
    const rows =
      lock !== undefined && sql.dialect === 'postgres'
        ? // A left join: the lock is taken even when there is no silence.
          await sql.query<Row>(
            `SELECT s.doc FROM (SELECT pg_advisory_xact_lock(hashtext(?))) AS l
             LEFT JOIN silences s ON s.tenant_id = ? AND s.ends_at_us > ? AND s.starts_at_us <= ?`,
            [lock, tenantId, now, now],
          )
        : await sql.query<Row>(
            'SELECT doc FROM silences WHERE tenant_id = ? AND ends_at_us > ? AND starts_at_us <= ?',
            [tenantId, now, now],
          );
    return rows.filter((row) => row['doc'] !== null).map((row) => row['doc'] as string);
  }
}
