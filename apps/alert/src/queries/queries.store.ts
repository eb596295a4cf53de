import { Injectable } from '@nestjs/common';
import type { AlertStatus, Cursor, Severity, SortOrder } from '@vigil/contracts';
import type { Row, Sql } from '@vigil/persistence';
import type { Micros } from '../alerts/time.js';
import { STATE_COLUMNS } from '../alerts/rows.js';

/** The columns a list may sort by. */
export const SORT_COLUMNS = {
  last_seen_at: 'last_seen_at_us',
  started_at: 'started_at_us',
  severity: 'severity_rank',
  occurrences: 'occurrences',
} as const;
export type SortField = keyof typeof SORT_COLUMNS;

/** What a list asks for, already validated and normalised (searchable text, microseconds). */
export interface AlertFilter {
  status?: readonly AlertStatus[];
  severity?: readonly Severity[];
  alertType?: string;
  /** Label key=value pairs, all required. */
  labels: readonly [key: string, value: string][];
  /** A LIKE pattern over the searchable text. */
  like?: string;
  from?: Micros;
  to?: Micros;
}

export interface ListOrder {
  sort: SortField;
  order: SortOrder;
  limit: number;
  after: Cursor | undefined;
}

/** Below this many label/text matches a list fetches them through the GIN indexes first. */
const FEW_MATCHES = 2000;
/** Most recent timeline entries returned with an alert, oldest first. */
export const TIMELINE_LIMIT = 1000;

/** SQL of the alert list and the alert with its timeline. */
@Injectable()
export class QueriesStore {
  /** The conditions on an alert's alert_search row (labels and text), with their parameters. */
  searchConditions(sql: Pick<Sql, 'dialect'>, filter: AlertFilter): { where: string[]; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [key, value] of filter.labels) {
      if (sql.dialect === 'postgres') {
        where.push('(s.labels::jsonb) @> ?::jsonb');
        params.push(JSON.stringify({ [key]: value }));
      } else {
        where.push('EXISTS (SELECT 1 FROM json_each(s.labels) AS l WHERE l.key = ? AND l.value = ?)');
        params.push(key, value);
      }
    }
    if (filter.like !== undefined) {
      where.push("s.search LIKE ? ESCAPE '\\'");
      params.push(filter.like);
    }
    return { where, params };
  }

  /**
   * The ids of the tenant's alerts matching the label/text conditions when they are few (under
   * FEW_MATCHES), else undefined. PostgreSQL only, in a platform transaction filtered on tenant_id
   * explicitly: under the row-level-security barrier `@>` and LIKE (not leakproof) may not be pushed
   * into an index scan, so the GIN indexes would go unused. The planner cannot estimate jsonb
   * containment or trigram selectivity, and the cases want opposite plans: few matches → fetch them
   * through the GIN indexes, then sort; many → walk the sort index.
   */
  async fewMatches(
    platformSql: Sql,
    tenantId: string,
    search: { where: string[]; params: unknown[] },
  ): Promise<string[] | undefined> {
    const rows = await platformSql.query<Row>(
      `SELECT s.id FROM alert_search s WHERE s.tenant_id = ? AND ${search.where.join(' AND ')} LIMIT ${FEW_MATCHES}`,
      [tenantId, ...search.params],
    );
    return rows.length < FEW_MATCHES ? rows.map((row) => row['id'] as string) : undefined;
  }

  /** One page of rows (`limit + 1`), each with its `sort_key`. */
  list(
    sql: Sql,
    tenantId: string,
    filter: AlertFilter,
    order: ListOrder,
    matchIds: readonly string[] | undefined,
  ): Promise<Row[]> {
    const where = ['tenant_id = ?'];
    const params: unknown[] = [tenantId];
    const inList = (column: string, values: readonly string[]) => {
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    if (filter.status?.length) inList('status', filter.status);
    if (filter.severity?.length) inList('severity', filter.severity);
    if (filter.alertType !== undefined) {
      where.push('alert_type = ?');
      params.push(filter.alertType);
    }
    const search = this.searchConditions(sql, filter);
    if (search.where.length) {
      if (matchIds) {
        where.push('id = ANY(?::uuid[])');
        params.push(matchIds);
      } else {
        // Many matches (or SQLite): walk the sort order and check each alert's row until the page is full.
        where.push(
          `(SELECT ${search.where.join(' AND ')} FROM alert_search s WHERE s.tenant_id = alerts.tenant_id AND s.id = alerts.id)`,
        );
        params.push(...search.params);
      }
    }
    if (filter.from !== undefined) {
      where.push('started_at_us >= ?');
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('started_at_us < ?');
      params.push(filter.to);
    }
    const column = SORT_COLUMNS[order.sort];
    if (order.after) {
      where.push(`(${column}, id) ${order.order === 'desc' ? '<' : '>'} (?, ?)`);
      params.push(order.after.key, order.after.id);
    }
    const direction = order.order === 'desc' ? 'DESC' : 'ASC';
    return sql.query<Row>(
      `SELECT ${STATE_COLUMNS}, ${column} AS sort_key FROM alerts WHERE ${where.join(' AND ')} ORDER BY ${column} ${direction}, id ${direction} LIMIT ${order.limit + 1}`,
      params,
    );
  }

  /**
   * Alerts like one under investigation, each row with `resolved_body` (the body of its last
   * `resolved` entry): the alert of `fingerprintId` (a fingerprint is one alert per tenant), else
   * those of `alertType` newest first (the type index), leaving out `exclude`.
   */
  similar(
    sql: Sql,
    tenantId: string,
    by: { id: string } | { alertType: string },
    exclude: readonly string[],
    limit: number,
  ): Promise<Row[]> {
    const where = ['tenant_id = ?'];
    const params: unknown[] = [tenantId];
    if ('id' in by) {
      where.push('id = ?');
      params.push(by.id);
    } else {
      where.push('alert_type = ?');
      params.push(by.alertType);
    }
    for (const id of exclude) {
      where.push('id <> ?');
      params.push(id);
    }
    const lastResolve =
      "(SELECT e.body FROM alert_events e WHERE e.tenant_id = alerts.tenant_id AND e.alert_id = alerts.id AND e.kind = 'resolved' ORDER BY e.at_us DESC, e.id DESC LIMIT 1)";
    return sql.query<Row>(
      `SELECT ${STATE_COLUMNS}, ${lastResolve} AS resolved_body FROM alerts WHERE ${where.join(' AND ')} ORDER BY last_seen_at_us DESC, id DESC LIMIT ${limit}`,
      params,
    );
  }

  /** The alert's most recent timeline rows, oldest first. */
  async timeline(sql: Sql, tenantId: string, alertId: string): Promise<Row[]> {
    const rows = await sql.query<Row>(
      `SELECT id, at_us, kind, actor, body FROM alert_events WHERE tenant_id = ? AND alert_id = ? ORDER BY at_us DESC, id DESC LIMIT ${TIMELINE_LIMIT}`,
      [tenantId, alertId],
    );
    return rows.reverse();
  }
}
