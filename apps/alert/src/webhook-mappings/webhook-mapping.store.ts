import { Injectable } from '@nestjs/common';
import type { Row, Sql } from '@vigil/persistence';
import type { Micros } from '../alerts/time.js';

/** SQL on webhook_mappings, in the caller's tenant-scoped transaction. */
@Injectable()
export class WebhookMappingStore {
  async load(sql: Sql, tenantId: string, source: string): Promise<Row | undefined> {
    const [row] = await sql.query<Row>(
      'SELECT mapping, updated_at_us, updated_by FROM webhook_mappings WHERE tenant_id = ? AND source = ?',
      [tenantId, source],
    );
    return row;
  }

  /** Inserts or replaces the tenant's mapping for `source`. */
  async put(sql: Sql, tenantId: string, source: string, mapping: string, at: Micros, by: string | null): Promise<void> {
    await sql.run(
      `INSERT INTO webhook_mappings (tenant_id, source, mapping, updated_at_us, updated_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, source) DO UPDATE SET mapping = excluded.mapping, updated_at_us = excluded.updated_at_us, updated_by = excluded.updated_by`,
      [tenantId, source, mapping, at, by],
    );
  }
}
