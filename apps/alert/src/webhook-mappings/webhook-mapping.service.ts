import { Injectable } from '@nestjs/common';
import {
  nowMicros,
  webhookMappingOf,
  type Actor,
  type WebhookMapping,
  type WebhookMappingView,
} from '@vigil/contracts';
import { Transactions, type Row, type Sql } from '@vigil/persistence';
import { toIso } from '../alerts/time.js';
import { WebhookMappingStore } from './webhook-mapping.store.js';

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
  constructor(
    private readonly transactions: Transactions,
    private readonly mappings: WebhookMappingStore,
  ) {}

  get(tenantId: string): Promise<WebhookMappingView> {
    return this.transactions.inTenant(tenantId, ({ sql }) => this.view(sql, tenantId));
  }

  put(tenantId: string, mapping: WebhookMapping, actor: Actor | undefined): Promise<WebhookMappingView> {
    const text = JSON.stringify(webhookMappingOf(mapping));
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      await this.mappings.put(sql, tenantId, GENERIC_SOURCE, text, Number(nowMicros()), actor?.id ?? null);
      return this.view(sql, tenantId);
    });
  }

  private async view(sql: Sql, tenantId: string): Promise<WebhookMappingView> {
    return viewOf(await this.mappings.load(sql, tenantId, GENERIC_SOURCE));
  }
}
