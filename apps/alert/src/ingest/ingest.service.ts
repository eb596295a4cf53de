import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { nowMicros, type AlertsReceived, type Envelope } from '@vigil/contracts';
import { Transactions, type BatchConsumer, type Duplicate, type EnvelopeSource, type Tx } from '@vigil/persistence';
import { ALERT_CONFIG, type AlertConfig } from '../alert.config.js';
import { AlertStore, ingestLockOf } from '../alerts/alert.store.js';
import { fromIso } from '../alerts/time.js';
import { SilencesService } from '../silences/silences.service.js';
import { foldArrivals, type Arrival } from './fold.js';

/** What storing one ingest message did: how many alerts it carried. */
export interface Stored {
  alerts: number;
}

/**
 * Stores what the gateway accepted, in batches: every `ingest.alerts.received` message waits for
 * its batch (ALERT_BATCH_MAX_ALERTS alerts, or what arrived within ALERT_BATCH_FLUSH_MS), which
 * commits as one transaction per batch (see Transactions.batched); then its message is acked.
 */
@Injectable()
export class IngestService implements OnModuleInit {
  private consumer!: BatchConsumer<AlertsReceived, Stored>;

  constructor(
    private readonly transactions: Transactions,
    private readonly alerts: AlertStore,
    private readonly silences: SilencesService,
    @Inject(ALERT_CONFIG) private readonly config: AlertConfig,
  ) {}

  onModuleInit(): void {
    this.consumer = this.transactions.batched<AlertsReceived, Stored>(
      {
        maxWeight: this.config.ALERT_BATCH_MAX_ALERTS,
        maxDelayMs: this.config.ALERT_BATCH_FLUSH_MS,
        lanes: this.config.ALERT_BATCH_LANES,
        weigh: (envelope) => envelope.payload.alerts.length,
      },
      (tx, envelopes) => this.store(tx, envelopes),
    );
  }

  ingest(source: EnvelopeSource): Promise<Stored | Duplicate> {
    return this.consumer.consume(source);
  }

  /** One tenant's part of a batch: lock what it touches, fold it through the rules, write the result. */
  private async store(tx: Tx, envelopes: Envelope<AlertsReceived>[]): Promise<Stored[]> {
    const { sql, tenantId } = tx;
    const arrivals: Arrival[] = [];
    for (const envelope of envelopes) {
      const seenAt = fromIso(envelope.occurredAt);
      for (const alert of envelope.payload.alerts)
        arrivals.push({ alert, source: envelope.payload.source, seenAt, cause: envelope });
    }
    // The tenant's ingest lock first (with its active silences), then its alerts: a fresh read.
    const silences = await this.silences.activeMatchers(sql, tenantId, Number(nowMicros()), ingestLockOf(tenantId));
    const stored = await this.alerts.lockStates(sql, tenantId, [...new Set(arrivals.map((a) => a.alert.alertId))]);
    const rules = { occurrenceLogIntervalUs: this.config.ALERT_OCCURRENCE_LOG_INTERVAL_MS * 1000 };
    const folded = foldArrivals(tenantId, stored, arrivals, silences, rules);
    for (const { event, cause } of folded.events) tx.emitEvent(event, { cause });
    await this.alerts.save(sql, tenantId, folded.states, folded.timeline, folded.searches); // with the events
    return envelopes.map((envelope) => ({ alerts: envelope.payload.alerts.length }));
  }
}
