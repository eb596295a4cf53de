import { Injectable } from '@nestjs/common';
import {
  nowMicros,
  webhookMappingOf,
  type Actor,
  type WebhookMapping,
  type WebhookMappingView,
} from '@vigil/contracts';
import { toIso } from '../domain/time.js';
import { AlertDb, type Row, type Sql } from '../store/alert-db.js';

/** The one source with a stored mapping today. */
export const GENERIC_SOURCE = 'generic';

function viewOf(row: Row | undefined): WebhookMappingView {
  if (!row) return { source: GENERIC_SOURCE, mapping: null, updatedAt: null, updatedBy: null };
  return {
    source: GENERIC_SOURCE,
    mapping: webhookMappingOf(JSON.parse(row['mapping'] as string) as Record<string, unknown>),
    updatedAt: toIso(Number(row['updated_at_us'])),
    updatedBy: (row['updated_by'] as string | null) ?? null,
  };
}

/**
 * Per-tenant generic-webhook mappings: read by the gateway's generic receiver (through its cache),
 * written by managers and admins. A put replaces the whole mapping.
 */
@Injectable()
export class WebhookMappingService {
  constructor(private readonly db: AlertDb) {}

  get(tenantId: string): Promise<WebhookMappingView> {
    return this.db.inTenant(tenantId, (sql) => this.load(sql, tenantId));
  }

  put(tenantId: string, mapping: WebhookMapping, actor: Actor | undefined): Promise<WebhookMappingView> {
    const text = JSON.stringify(webhookMappingOf(mapping));
    const now = Number(nowMicros());
    return this.db.inTenant(tenantId, async (sql) => {
      await sql.run(
        `INSERT INTO webhook_mappings (tenant_id, source, mapping, updated_at_us, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, source) DO UPDATE SET mapping = excluded.mapping, updated_at_us = excluded.updated_at_us, updated_by = excluded.updated_by`,
        [tenantId, GENERIC_SOURCE, text, now, actor?.id ?? null],
      );
      return this.load(sql, tenantId);
    });
  }

  private async load(sql: Sql, tenantId: string): Promise<WebhookMappingView> {
    const [row] = await sql.query<Row>(
      'SELECT mapping, updated_at_us, updated_by FROM webhook_mappings WHERE tenant_id = ? AND source = ?',
      [tenantId, GENERIC_SOURCE],
    );
    return viewOf(row);
  }
}
