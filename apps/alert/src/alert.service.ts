import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import {
  nowMicros,
  type Actor,
  type AlertListQuery,
  type AlertStats,
  type AlertView,
  type AlertWithTimeline,
  type Page,
  type TimelineEntry,
} from '@vigil/contracts';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, encodeCursor, InvalidCursorError, type SortField, type SortOrder } from './domain/cursor.js';
import {
  snapshotOf,
  transition,
  type AlertState,
  type EventDraft,
  type TimelineDraft,
  type TransitionAction,
} from './domain/lifecycle.js';
import { combineStats, type StatsGroup } from './domain/stats.js';
import { likePatternOf, searchable } from './domain/text.js';
import { fromIso, toIso, windowMicros } from './domain/time.js';
import { AlertDb, type Row, type Sql } from './store/alert-db.js';
import { insertTimeline } from './store/ingest.store.js';
import { OutboxRelay, outboxRecordOf, writeOutbox, type OutboxRecord } from './store/outbox.js';
import {
  ALERT_COLUMNS,
  STATE_COLUMNS,
  UPSERT_ALERTS,
  alertParams,
  eventParams,
  stateOf,
  timelineEntryOf,
  viewOf,
} from './store/rows.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** AlertGet returns the most recent entries of a timeline, oldest first. */
export const TIMELINE_LIMIT = 1000;
/** Below this many label/text matches a list fetches them through the GIN indexes first. */
const FEW_MATCHES = 2000;

const SORT_COLUMN: Record<SortField, string> = {
  last_seen_at: 'last_seen_at_us',
  started_at: 'started_at_us',
  severity: 'severity_rank',
  occurrences: 'occurrences',
};

/** Who did it: the envelope's actor (the gateway sets it from the credential). */
export function actorIdOf(actor: Actor | undefined): string {
  return actor?.id ?? 'system';
}

/** Alerts as people see and handle them: queries, acknowledge/resolve, notes, stats. */
@Injectable()
export class AlertService {
  constructor(
    private readonly db: AlertDb,
    private readonly relay: OutboxRelay,
  ) {}

  async list(tenantId: string, query: AlertListQuery): Promise<Page<AlertView>> {
    const sort = query.sort ?? 'last_seen_at';
    const order: SortOrder = query.order ?? 'desc';
    const limit = Math.min(query.limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const column = SORT_COLUMN[sort];
    let cursor;
    try {
      cursor = query.cursor ? decodeCursor(query.cursor, sort, order) : undefined;
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException(`cursor: ${error.message}`);
      throw error;
    }
    // label and q: conditions on the alert's alert_search row.
    const dialect = this.db.dialect;
    const search: string[] = [];
    const searchParams: unknown[] = [];
    for (const matcher of query.label ?? []) {
      const eq = matcher.indexOf('=');
      const key = searchable(matcher.slice(0, eq));
      const value = searchable(matcher.slice(eq + 1));
      if (dialect === 'postgres') {
        search.push('(s.labels::jsonb) @> ?::jsonb');
        searchParams.push(JSON.stringify({ [key]: value }));
      } else {
        search.push('EXISTS (SELECT 1 FROM json_each(s.labels) AS l WHERE l.key = ? AND l.value = ?)');
        searchParams.push(key, value);
      }
    }
    if (query.q !== undefined && query.q !== '') {
      search.push("s.search LIKE ? ESCAPE '\\'");
      searchParams.push(likePatternOf(query.q));
    }
    const matchIds =
      search.length && dialect === 'postgres'
        ? await this.fewMatches(tenantId, search.join(' AND '), searchParams)
        : undefined;
    return this.db.inTenant(tenantId, async (sql) => {
      const where = ['tenant_id = ?'];
      const params: unknown[] = [tenantId];
      const inList = (col: string, values: readonly string[]) => {
        where.push(`${col} IN (${values.map(() => '?').join(', ')})`);
        params.push(...values);
      };
      if (query.status?.length) inList('status', query.status);
      if (query.severity?.length) inList('severity', query.severity);
      if (query.alertType !== undefined) {
        where.push('alert_type = ?');
        params.push(searchable(query.alertType));
      }
      if (search.length) {
        if (matchIds) {
          // Few matches: the ids the GIN indexes found, then the sort.
          where.push('id = ANY(?::uuid[])');
          params.push(matchIds);
        } else {
          // Many (or SQLite): walk the sort order and check each alert's row, until the page is full.
          where.push(
            `(SELECT ${search.join(' AND ')} FROM alert_search s WHERE s.tenant_id = alerts.tenant_id AND s.id = alerts.id)`,
          );
          params.push(...searchParams);
        }
      }
      if (query.from !== undefined) {
        where.push('started_at_us >= ?');
        params.push(fromIso(query.from));
      }
      if (query.to !== undefined) {
        where.push('started_at_us < ?');
        params.push(fromIso(query.to));
      }
      if (cursor) {
        where.push(`(${column}, id) ${order === 'desc' ? '<' : '>'} (?, ?)`);
        params.push(cursor.key, cursor.id);
      }
      const direction = order === 'desc' ? 'DESC' : 'ASC';
      const rows = await sql.query<Row>(
        `SELECT ${STATE_COLUMNS}, ${column} AS sort_key FROM alerts WHERE ${where.join(' AND ')} ORDER BY ${column} ${direction}, id ${direction} LIMIT ${limit + 1}`,
        params,
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor =
        rows.length > limit && last
          ? encodeCursor({ sort, order, key: Number(last['sort_key']), id: last['id'] as string })
          : null;
      return { items: page.map((row) => viewOf(stateOf(row))), nextCursor };
    });
  }

  async get(tenantId: string, id: string): Promise<AlertWithTimeline> {
    return this.db.inTenant(tenantId, async (sql) => {
      const state = await this.load(sql, tenantId, id, false);
      const rows = await sql.query<Row>(
        `SELECT id, at_us, kind, actor, body FROM alert_events WHERE tenant_id = ? AND alert_id = ? ORDER BY at_us DESC, id DESC LIMIT ${TIMELINE_LIMIT}`,
        [tenantId, id],
      );
      return { ...viewOf(state), timeline: rows.reverse().map(timelineEntryOf) };
    });
  }

  async transition(
    tenantId: string,
    id: string,
    action: TransitionAction,
    actor: Actor | undefined,
    note: string | null,
    correlationId: string,
  ): Promise<AlertView> {
    const { view, outbox } = await this.db.inTenant(tenantId, async (sql) => {
      const before = await this.load(sql, tenantId, id, true);
      const result = transition(before, action, actorIdOf(actor), note, Number(nowMicros()));
      if (!result.ok) throw new ConflictException(result.conflict);
      const { state, timeline, events } = result.outcome;
      await sql.insert('alerts', ALERT_COLUMNS, [alertParams(state)], UPSERT_ALERTS);
      const outbox = await this.record(sql, state, timeline, events, correlationId, actor);
      return { view: viewOf(state), outbox };
    });
    this.relay.dispatch(outbox);
    return view;
  }

  async addNote(
    tenantId: string,
    id: string,
    text: string,
    actor: Actor | undefined,
    correlationId: string,
  ): Promise<TimelineEntry> {
    const { entry, outbox } = await this.db.inTenant(tenantId, async (sql) => {
      const before = await this.load(sql, tenantId, id, true);
      const at = Number(nowMicros());
      const state: AlertState = { ...before, updatedAt: Math.max(before.updatedAt, at) };
      await sql.run('UPDATE alerts SET updated_at_us = ? WHERE tenant_id = ? AND id = ?', [
        state.updatedAt,
        tenantId,
        id,
      ]);
      const draft: TimelineDraft = { kind: 'note', at, by: actorIdOf(actor), note: text, details: {} };
      const entryId = uuidv7();
      await insertTimeline(sql, [eventParams(tenantId, id, entryId, draft)]);
      const outbox = [
        outboxRecordOf(
          tenantId,
          { routingKey: 'alert.updated', payload: { alert: snapshotOf(state), change: 'note' } },
          correlationId,
          actor,
        ),
      ];
      await writeOutbox(sql, outbox);
      const entry: TimelineEntry = { id: entryId, at: toIso(at), kind: 'note', by: draft.by, note: text, details: {} };
      return { entry, outbox };
    });
    this.relay.dispatch(outbox);
    return entry;
  }

  async stats(tenantId: string, window: string): Promise<AlertStats> {
    const to = Number(nowMicros());
    const from = to - windowMicros(window);
    return this.db.inTenant(tenantId, async (sql) => {
      const groups = await sql.query<Row>(
        `SELECT status, severity, source, COUNT(*) AS n,
           COUNT(acknowledged_at_us) AS ack_n, SUM((acknowledged_at_us - triggered_at_us) / 1000000.0) AS ack_s,
           COUNT(resolved_at_us) AS res_n, SUM((resolved_at_us - triggered_at_us) / 1000000.0) AS res_s
         FROM alerts WHERE tenant_id = ? AND last_seen_at_us >= ? GROUP BY status, severity, source`,
        [tenantId, from],
      );
      const types = await sql.query<Row>(
        'SELECT alert_type, COUNT(*) AS n FROM alerts WHERE tenant_id = ? AND last_seen_at_us >= ? GROUP BY alert_type ORDER BY n DESC, alert_type LIMIT 10',
        [tenantId, from],
      );
      return combineStats(
        { window, from: toIso(from), to: toIso(to) },
        groups.map((g): StatsGroup => ({
          status: g['status'] as StatsGroup['status'],
          severity: g['severity'] as StatsGroup['severity'],
          source: g['source'] as string,
          count: Number(g['n']),
          acknowledgedCount: Number(g['ack_n']),
          acknowledgeSeconds: Number(g['ack_s'] ?? 0),
          resolvedCount: Number(g['res_n']),
          resolveSeconds: Number(g['res_s'] ?? 0),
        })),
        types.map((t) => ({ alertType: t['alert_type'] as string, count: Number(t['n']) })),
      );
    });
  }

  /**
   * The ids of the tenant's alerts matching the label/text conditions when they are few (under
   * FEW_MATCHES), else undefined. PostgreSQL only. The planner cannot estimate jsonb containment or
   * trigram selectivity, and the cases want opposite plans: few matches → fetch them through the GIN
   * indexes, then sort; many → walk the sort index. This probe runs as the platform, filtered on
   * tenant_id explicitly: under the row-level-security barrier, `@>` and LIKE (not leakproof) may
   * not be pushed into an index scan, so the GIN indexes would go unused.
   */
  private fewMatches(tenantId: string, conditions: string, params: readonly unknown[]): Promise<string[] | undefined> {
    return this.db.asPlatform(async (sql) => {
      const rows = await sql.query<Row>(
        `SELECT s.id FROM alert_search s WHERE s.tenant_id = ? AND ${conditions} LIMIT ${FEW_MATCHES}`,
        [tenantId, ...params],
      );
      return rows.length < FEW_MATCHES ? rows.map((row) => row['id'] as string) : undefined;
    });
  }

  /** Another tenant's alert and a missing one are the same 404. */
  private async load(sql: Sql, tenantId: string, id: string, forUpdate: boolean): Promise<AlertState> {
    const lock = forUpdate && sql.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await sql.query<Row>(`SELECT ${STATE_COLUMNS} FROM alerts WHERE tenant_id = ? AND id = ?${lock}`, [
      tenantId,
      id,
    ]);
    if (!row) throw new NotFoundException(`alert ${id} not found`);
    return stateOf(row);
  }

  private async record(
    sql: Sql,
    state: AlertState,
    timeline: TimelineDraft[],
    events: EventDraft[],
    correlationId: string,
    actor?: Actor,
  ): Promise<OutboxRecord[]> {
    await insertTimeline(
      sql,
      timeline.map((draft) => eventParams(state.tenantId, state.id, uuidv7(), draft)),
    );
    const outbox = events.map((e) => outboxRecordOf(state.tenantId, e, correlationId, actor));
    await writeOutbox(sql, outbox);
    return outbox;
  }
}
