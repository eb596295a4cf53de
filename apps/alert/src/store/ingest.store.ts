import { Inject, Injectable } from '@nestjs/common';
import { alertIdOf, nowMicros, type Actor, type AlertSource, type ReceivedAlert } from '@vigil/contracts';
import { v7 as uuidv7 } from 'uuid';
import { ALERT_CONFIG, type AlertConfig } from '../alert.config.js';
import { applyReceived, type AlertState, type TimelineDraft } from '../domain/lifecycle.js';
import { compileMatchers, isSilenced, type LabelPredicate } from '../domain/silences.js';
import type { Micros } from '../domain/time.js';
import { AlertDb, type Row, type Sql } from './alert-db.js';
import { outboxRecordOf, writeOutbox, type OutboxRecord } from './outbox.js';
import {
  ALERT_COLUMNS,
  EVENT_COLUMNS,
  SEARCH_COLUMNS,
  STATE_COLUMNS,
  UPSERT_ALERTS,
  UPSERT_SEARCH,
  alertParams,
  chunks,
  eventParams,
  searchOf,
  stateOf,
  type SilenceDoc,
} from './rows.js';

/** One `ingest.alerts.received` envelope, as the batch needs it. */
export interface IngestMessage {
  envelopeId: string;
  tenantId: string;
  correlationId: string;
  actor?: Actor;
  /** When the gateway accepted it (the envelope's occurredAt). */
  seenAt: Micros;
  source: AlertSource;
  alerts: ReceivedAlert[];
}

export type IngestResult = { outcome: 'stored'; alerts: number } | { outcome: 'duplicate' };

export interface IngestWrite {
  results: IngestResult[];
  /** The alert.* envelopes written with the batch, to publish once it committed. */
  outbox: OutboxRecord[];
}

/** The inbox consumer name: the same the bus pipeline records envelopes under, so its pre-check sees ours. */
export const INBOX_CONSUMER = 'alert';

interface Pending {
  alert: ReceivedAlert;
  message: IngestMessage;
}

/**
 * Writes a batch of ingest messages in ONE transaction: claims their envelope ids in the inbox
 * (a redelivered envelope has no second effect), then per tenant (row-level security bound to it)
 * locks and reads the alerts the batch touches, folds every received alert through the pure
 * lifecycle rules, and writes the result with multi-row upserts keyed by (tenant_id, id) — id being
 * alertIdOf(tenant, fingerprint), i.e. one-to-one with (tenant_id, fingerprint) but exact even for
 * fingerprints PostgreSQL text could not hold —, the timeline entries and the outbox records.
 */
@Injectable()
export class IngestStore {
  private readonly silenceCache = new Map<string, LabelPredicate>();

  constructor(
    private readonly db: AlertDb,
    @Inject(ALERT_CONFIG) private readonly config: AlertConfig,
  ) {}

  write(messages: readonly IngestMessage[]): Promise<IngestWrite> {
    return this.db.batch(async (sql, enter) => {
      const fresh = await this.claim(sql, messages);
      const byTenant = new Map<string, Map<string, Pending[]>>();
      const results = messages.map((message): IngestResult => {
        if (!fresh.has(message)) return { outcome: 'duplicate' };
        let alerts = byTenant.get(message.tenantId);
        if (!alerts) byTenant.set(message.tenantId, (alerts = new Map()));
        for (const alert of message.alerts) {
          const id = alertIdOf(message.tenantId, alert.fingerprint);
          const list = alerts.get(id);
          if (list) list.push({ alert, message });
          else alerts.set(id, [{ alert, message }]);
        }
        return { outcome: 'stored', alerts: message.alerts.length };
      });
      const outbox: OutboxRecord[] = [];
      // A fixed tenant order: two replicas' batches take the tenant locks in the same order.
      for (const tenantId of [...byTenant.keys()].sort()) {
        await enter(tenantId);
        outbox.push(...(await this.writeTenant(sql, tenantId, byTenant.get(tenantId)!)));
      }
      return { results, outbox };
    });
  }

  /** Records the batch's envelope ids; returns the messages seen for the first time (one per id). */
  private async claim(sql: Sql, messages: readonly IngestMessage[]): Promise<Set<IngestMessage>> {
    const first = new Map<string, IngestMessage>();
    for (const message of messages) if (!first.has(message.envelopeId)) first.set(message.envelopeId, message);
    const handledAt =
      sql.dialect === 'postgres' ? new Date() : new Date().toISOString().replace('T', ' ').replace('Z', '');
    const rows = await sql.insert(
      'inbox',
      [
        { name: 'consumer', pg: 'varchar' },
        { name: 'envelope_id', pg: 'uuid' },
        { name: 'handled_at', pg: 'timestamptz' },
      ],
      [...first.keys()].map((id) => [INBOX_CONSUMER, id, handledAt]),
      'ON CONFLICT DO NOTHING RETURNING envelope_id',
    );
    const claimed = new Set(rows.map((row) => row['envelope_id'] as string));
    return new Set([...first.values()].filter((m) => claimed.has(m.envelopeId)));
  }

  private async writeTenant(sql: Sql, tenantId: string, alerts: Map<string, Pending[]>): Promise<OutboxRecord[]> {
    const now = Number(nowMicros());
    if (sql.dialect === 'postgres')
      await sql.query('SELECT pg_advisory_xact_lock(hashtext(?))', [`vigil.alert.ingest:${tenantId}`]);
    const silences = await this.activeSilences(sql, tenantId, now);
    const existing = new Map<string, AlertState>();
    const lock = sql.dialect === 'postgres' ? ' ORDER BY id FOR UPDATE' : '';
    for (const ids of chunks([...alerts.keys()])) {
      const rows = await sql.query<Row>(
        `SELECT ${STATE_COLUMNS} FROM alerts WHERE tenant_id = ? AND id IN (${ids.map(() => '?').join(', ')})${lock}`,
        [tenantId, ...ids],
      );
      for (const row of rows) existing.set(row['id'] as string, stateOf(row));
    }

    const rules = { occurrenceLogIntervalUs: this.config.ALERT_OCCURRENCE_LOG_INTERVAL_MS * 1000 };
    const states: AlertState[] = [];
    const timeline: unknown[][] = [];
    const outbox: OutboxRecord[] = [];
    for (const [id, pending] of alerts) {
      const before = existing.get(id);
      let state = before;
      for (const { alert, message } of pending) {
        const received = {
          alert,
          source: message.source,
          seenAt: message.seenAt,
          silenced: isSilenced(silences, alert.labels),
        };
        const outcome = applyReceived(state, received, rules, tenantId, id);
        state = outcome.state;
        for (const draft of outcome.timeline) timeline.push(this.timelineRow(tenantId, id, draft));
        for (const event of outcome.events)
          outbox.push(outboxRecordOf(tenantId, event, message.correlationId, message.actor));
      }
      if (state && state !== before) states.push(state);
    }

    // The searchable text is rewritten only when it changed (new alert, or new labels/summary/description).
    const searches: unknown[][] = [];
    for (const state of states) {
      const [labels, search] = searchOf(state);
      const before = existing.get(state.id);
      if (before && before.content === state.content) continue;
      if (before) {
        const [oldLabels, oldSearch] = searchOf(before);
        if (oldLabels === labels && oldSearch === search) continue;
      }
      searches.push([tenantId, state.id, labels, search]);
    }

    await sql.insert('alerts', ALERT_COLUMNS, states.map(alertParams), UPSERT_ALERTS);
    await sql.insert('alert_search', SEARCH_COLUMNS, searches, UPSERT_SEARCH);
    await insertTimeline(sql, timeline);
    await writeOutbox(sql, outbox);
    return outbox;
  }

  private timelineRow(tenantId: string, alertId: string, draft: TimelineDraft): unknown[] {
    return eventParams(tenantId, alertId, uuidv7(), draft);
  }

  private async activeSilences(sql: Sql, tenantId: string, now: Micros): Promise<LabelPredicate[]> {
    const rows = await sql.query<Row>(
      'SELECT doc FROM silences WHERE tenant_id = ? AND ends_at_us > ? AND starts_at_us <= ?',
      [tenantId, now, now],
    );
    return rows.map((row) => {
      const doc = row['doc'] as string;
      let predicate = this.silenceCache.get(doc);
      if (!predicate) {
        if (this.silenceCache.size > 1000) this.silenceCache.clear();
        predicate = compileMatchers((JSON.parse(doc) as SilenceDoc).matchers);
        this.silenceCache.set(doc, predicate);
      }
      return predicate;
    });
  }
}

/** Timeline rows (EVENT_COLUMNS order), multi-row. */
export async function insertTimeline(sql: Sql, rows: readonly unknown[][]): Promise<void> {
  await sql.insert('alert_events', EVENT_COLUMNS, rows);
}
