import { Inject, Injectable } from '@nestjs/common';
import {
  pageWindow,
  toPage,
  type Page,
  type PageRequest,
  type PayloadRejected,
  type RejectedPayloadView,
} from '@vigil/contracts';
import { Transactions, type EnvelopeSource } from '@vigil/persistence';
import { ALERT_CONFIG, type AlertConfig } from '../alert.config.js';
import { rejectedViewOf, type RejectedDoc } from '../alerts/rows.js';
import { fromIso } from '../alerts/time.js';
import { capBody } from './body-cap.js';
import { RejectedStore } from './rejected.store.js';

const KEYSET = { sort: 'rejected', order: 'desc' } as const;

/**
 * Payloads the gateway could not map, kept raw with the reason (nothing accepted is lost). A body
 * over ALERT_REJECTED_MAX_BODY_BYTES is kept cut there, and its reason says so with the size received.
 */
@Injectable()
export class RejectedService {
  constructor(
    private readonly transactions: Transactions,
    private readonly rejected: RejectedStore,
    @Inject(ALERT_CONFIG) private readonly config: AlertConfig,
  ) {}

  async store(source: EnvelopeSource): Promise<void> {
    const envelope = source.getEnvelope();
    const payload = envelope.payload as PayloadRejected;
    const kept = capBody(payload.body, this.config.ALERT_REJECTED_MAX_BODY_BYTES);
    const doc: RejectedDoc = {
      reason: kept.truncated
        ? `${payload.reason} (kept body cut to its first ${kept.keptBytes} of ${kept.receivedBytes} bytes: ALERT_REJECTED_MAX_BODY_BYTES)`
        : payload.reason,
      contentType: payload.contentType ?? null,
      body: kept.body,
      receivedBytes: kept.receivedBytes,
      truncated: kept.truncated,
    };
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
