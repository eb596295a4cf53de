import { Injectable } from '@nestjs/common';
import type { Page, PageRequest, PayloadRejected, RejectedPayloadView } from '@vigil/contracts';
import { encodeCursor } from './domain/cursor.js';
import type { Micros } from './domain/time.js';
import { pageCursor, pageLimit } from './silence.service.js';
import { AlertDb, type Row } from './store/alert-db.js';
import { rejectedViewOf, type RejectedDoc } from './store/rows.js';

/** Payloads the gateway could not map, kept raw with the reason (nothing accepted is lost). */
@Injectable()
export class RejectedService {
  constructor(private readonly db: AlertDb) {}

  /** Keyed by the envelope id: a redelivery inserts nothing. */
  async store(tenantId: string, envelopeId: string, receivedAt: Micros, payload: PayloadRejected): Promise<void> {
    const doc: RejectedDoc = { reason: payload.reason, contentType: payload.contentType ?? null, body: payload.body };
    await this.db.inTenant(tenantId, (sql) =>
      sql.run(
        'INSERT INTO rejected_payloads (tenant_id, id, received_at_us, source, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING',
        [tenantId, envelopeId, receivedAt, payload.source, JSON.stringify(doc)],
      ),
    );
  }

  list(tenantId: string, request: PageRequest): Promise<Page<RejectedPayloadView>> {
    const cursor = pageCursor('rejected', request.cursor);
    const limit = pageLimit(request);
    return this.db.inTenant(tenantId, async (sql) => {
      const after = cursor ? ' AND (received_at_us, id) < (?, ?)' : '';
      const rows = await sql.query<Row>(
        `SELECT id, received_at_us, source, doc FROM rejected_payloads WHERE tenant_id = ?${after} ORDER BY received_at_us DESC, id DESC LIMIT ${limit + 1}`,
        cursor ? [tenantId, cursor.key, cursor.id] : [tenantId],
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(rejectedViewOf),
        nextCursor:
          rows.length > limit && last
            ? encodeCursor({
                sort: 'rejected',
                order: 'desc',
                key: Number(last['received_at_us']),
                id: last['id'] as string,
              })
            : null,
      };
    });
  }
}
