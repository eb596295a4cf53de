import { Inject, Injectable } from '@nestjs/common';
import { nowMicros, RoutingKeys } from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { Transactions, type EnvelopeSource } from '@vigil/persistence';
import { LOGGER } from '@vigil/runtime';
import { AlertStore } from '../alerts/alert.store.js';
import { snapshotOf, type AlertState } from '../lifecycle/lifecycle.js';
import { analysedEntry, analysisViewOf, applySessionEvent, sessionEventOf, type SessionEnvelope } from './analysis.js';

/**
 * Keeps each alert's latest investigation from the agent runner's session events. An ended session
 * also writes an `analysed` timeline entry and publishes alert.analysed, in the same transaction
 * (outbox) as the inbox claim, so a redelivered event has no second effect.
 */
@Injectable()
export class AnalysisService {
  constructor(
    private readonly transactions: Transactions,
    private readonly alerts: AlertStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(source: EnvelopeSource): Promise<void> {
    const envelope = source.getEnvelope() as SessionEnvelope;
    const event = sessionEventOf(envelope);
    const { alertId } = envelope.payload;
    const context = {
      envelopeId: envelope.id,
      type: envelope.type,
      tenantId: envelope.tenantId,
      alertId,
      sessionId: event.sessionId,
    };
    await this.transactions.consume(source, async (tx) => {
      // The envelope's tenant only: another tenant's alert reads as missing.
      const before = (await this.alerts.lockStates(tx.sql, tx.tenantId, [alertId])).get(alertId);
      if (!before) {
        this.logger.warn(context, 'agent session event for an alert this tenant does not have: dropped');
        return;
      }
      const decision = applySessionEvent(before.analysis, event);
      if (!decision.apply) {
        this.logger.info({ ...context, reason: decision.reason }, 'agent session event not applied');
        return;
      }
      const state: AlertState = {
        ...before,
        analysis: decision.next,
        updatedAt: Math.max(before.updatedAt, Number(nowMicros())),
      };
      await this.alerts.saveAnalysis(tx.sql, state);
      if (!decision.ended) return;
      await this.alerts.addEntry(tx.sql, tx.tenantId, alertId, analysedEntry(decision.next));
      tx.emit(RoutingKeys.AlertAnalysed, { alert: snapshotOf(state), analysis: analysisViewOf(decision.next) });
    });
  }
}
