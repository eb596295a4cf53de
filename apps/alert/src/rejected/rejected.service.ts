import { Injectable } from '@nestjs/common';
import {
  pageWindow,
  toPage,
  type Page,
  type PageRequest,
  type PayloadRejected,
  type RejectedPayloadView,
} from '@vigil/contracts';
import { Transactions, type EnvelopeSource } from '@vigil/persistence';
import { rejectedViewOf, type RejectedDoc } from '../alerts/rows.js';
import { fromIso } from '../alerts/time.js';
import { RejectedStore } from './rejected.store.js';

const KEYSET = { sort: 'rejected', order: 'desc' } as const;

/** Payloads the gateway could not map, kept raw with the reason (nothing accepted is lost). */
@Injectable()
export class RejectedService {
  constructor(
    private readonly transactions: Transactions,
    private readonly rejected: RejectedStore,
  ) {}

  async store(source: EnvelopeSource): Promise<void> {
    const envelope = source.getEnvelope();
    const payload = envelope.payload as PayloadRejected;
    const doc: RejectedDoc = { reason: payload.reason, contentType: payload.contentType ?? null, body: payload.body };
    await this.transactions.consume(source, ({ sql }) =>
      this.rejected.insert(
        sql,
        envelope.tenantId,
        envelope.id,
        fromIso(envelope.occurredAt),
        payload.source,
        JSON.stringify(doc),
      ),
    );
  }

  list(tenantId: string, request: PageRequest): Promise<Page<RejectedPayloadView>> {
    const window = pageWindow(request, KEYSET);
    return this.transactions.inTenant(tenantId, async ({ sql }) =>
      toPage(
        await this.rejected.page(sql, tenantId, window),
        window.limit,
        KEYSET,
        (row) => ({ key: Number(row['received_at_us']), id: row['id'] as string }),
        rejectedViewOf,
      ),
    );
  }
}
