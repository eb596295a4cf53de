import { Inject, Injectable } from '@nestjs/common';
import { parseIsoMicros, type AlertEscalated, type Envelope } from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { Transactions, type EnvelopeSource } from '@vigil/persistence';
import { LOGGER } from '@vigil/runtime';
import { AlertStore } from '../alerts/alert.store.js';
import type { TimelineDraft } from '../lifecycle/lifecycle.js';

/** The timeline entry of one escalation step, when it happened (the event's time), with the notifier's reason. */
export function escalatedEntry(envelope: Envelope<AlertEscalated>): TimelineDraft {
  return {
    kind: 'escalated',
    at: Number(parseIsoMicros(envelope.occurredAt)),
    by: null,
    note: envelope.payload.reason ?? null,
    details: { level: envelope.payload.level },
  };
}

/**
 * Records each step of an escalation policy (the notification service's alert.escalated) on the
 * alert's timeline, in the same transaction as the inbox claim: a redelivered step is one entry.
 */
@Injectable()
export class EscalationService {
  constructor(
    private readonly transactions: Transactions,
    private readonly alerts: AlertStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(source: EnvelopeSource): Promise<void> {
    const envelope = source.getEnvelope() as Envelope<AlertEscalated>;
    const { alertId } = envelope.payload.alert;
    await this.transactions.consume(source, async (tx) => {
      // The envelope's tenant only: another tenant's alert reads as missing.
      const found = (await this.alerts.lockStates(tx.sql, tx.tenantId, [alertId])).get(alertId);
      if (!found) {
        this.logger.warn(
          { envelopeId: envelope.id, tenantId: envelope.tenantId, alertId },
          'escalation step for an alert this tenant does not have: dropped',
        );
        return;
      }
      await this.alerts.addEntry(tx.sql, tx.tenantId, alertId, escalatedEntry(envelope));
    });
  }
}
