import { Injectable } from '@nestjs/common';
import type { AlertSource, PageWindow } from '@vigil/contracts';
import type { Row, Sql } from '@vigil/persistence';
import type { Micros } from '../alerts/time.js';

/** SQL on rejected_payloads, in the caller's tenant-scoped transaction. */
@Injectable()
export class RejectedStore {
  /** Keyed by the envelope id: a second copy inserts nothing. */
  async insert(
    sql: Sql,
    tenantId: string,
    id: string,
    receivedAt: Micros,
    source: AlertSource,
    doc: string,
  ): Promise<void> {
    await sql.run(
      'INSERT INTO rejected_payloads (tenant_id, id, received_at_us, source, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
      [tenantId, id, receivedAt, source, doc],
    );
  }

  /** A page of rows, newest first (`limit + 1` rows). */
  page(sql: Sql, tenantId: string, window: PageWindow): Promise<Row[]> {
    const after = window.after ? ' AND (received_at_us, id) < (?, ?)' : '';
    return sql.query<Row>(
      `SELECT id, received_at_us, source, doc FROM rejected_payloads WHERE tenant_id = ?${after} ORDER BY received_at_us DESC, id DESC LIMIT ${window.limit + 1}`,
      window.after ? [tenantId, window.after.key, window.after.id] : [tenantId],
    );
  }
}
