import { Injectable } from '@nestjs/common';
import type { Cursor, HistorySessionStatus, HistorySortField, SortOrder } from '@vigil/contracts';
import { placeholders, type Row, type Sql } from '@vigil/persistence';

/**
 * What each sort orders by: integer or text, never null (a session whose start or end has not
 * arrived sorts as -1 / ''), so the keyset comparison `(key, session_id) < (?, ?)` holds for every
 * row. Duration in microseconds (completed − started), exact in both dialects.
 */
export const SORT_KEYS: Readonly<Record<HistorySortField, { expression: string; numeric: boolean }>> = {
  started_at: { expression: 'COALESCE(started_at_us, -1)', numeric: true },
  completed_at: { expression: 'COALESCE(completed_at_us, -1)', numeric: true },
  duration: { expression: 'COALESCE(completed_at_us - started_at_us, -1)', numeric: true },
  status: { expression: 'status', numeric: false },
  alert_type: { expression: "COALESCE(alert_type, '')", numeric: false },
  agent_type: { expression: "COALESCE(agent_type, '')", numeric: false },
};

/**
 * What `q` searches: the error, the final analysis and the alert data as one text. The expression is
 * the one the PostgreSQL trigram index is built on (migration HistoryListIndexes); keep them equal.
 */
const SEARCH_TEXT = "(COALESCE(error, '') || ' ' || COALESCE(final_analysis, '') || ' ' || COALESCE(alert_data, ''))";

/** A list's filters, validated and normalised (microseconds, a LIKE pattern). */
export interface SessionFilter {
  status?: readonly HistorySessionStatus[];
  agentType?: string;
  alertType?: string;
  alertId?: string;
  from?: number;
  to?: number;
  /** A LIKE pattern (ESCAPE '\'), lower-cased. */
  like?: string;
  /** Only these sessions (what a search found, see QueriesStore.searchCandidates). */
  sessionIds?: readonly string[];
}

export interface SessionOrder {
  sort: HistorySortField;
  order: SortOrder;
  limit: number;
  after: Cursor | undefined;
}

export const SESSION_COLUMNS = [
  'session_id',
  'alert_id',
  'alert_type',
  'agent_type',
  'status',
  'trigger_type',
  'model',
  'alert_data',
  'started_at_us',
  'completed_at_us',
  'duration_ms',
  'error',
  'final_analysis',
  'forced_conclusion',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'llm_count',
  'mcp_count',
  'error_count',
].join(', ');

/** The sessions of a tenant started at or after an instant (parameters: tenant, instant). */
const IN_WINDOW = 'SELECT session_id FROM history_sessions WHERE tenant_id = ? AND started_at_us >= ?';

/** Most steps returned with one session (a runaway agent stops far below). */
export const TIMELINE_LIMIT = 5000;

/** SQL of the history read API: sessions listed and counted, one session, its steps. */
@Injectable()
export class QueriesStore {
  private where(sql: Sql, tenantId: string, filter: SessionFilter): { where: string[]; params: unknown[] } {
    const where = ['tenant_id = ?'];
    const params: unknown[] = [tenantId];
    if (filter.status?.length) {
      where.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
      params.push(...filter.status);
    }
    for (const [column, value] of [
      ['agent_type', filter.agentType],
      ['alert_type', filter.alertType],
      ['alert_id', filter.alertId],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    if (filter.from !== undefined) {
      where.push('started_at_us >= ?');
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('started_at_us < ?');
      params.push(filter.to);
    }
    if (filter.sessionIds !== undefined) {
      if (sql.dialect === 'postgres') {
        where.push('session_id = ANY(CAST(? AS uuid[]))');
        params.push(filter.sessionIds);
      } else {
        where.push(filter.sessionIds.length ? `session_id IN (${placeholders(filter.sessionIds.length)})` : '1 = 0');
        params.push(...filter.sessionIds);
      }
    }
    if (filter.like !== undefined) {
      // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE any case.
      const op = sql.dialect === 'postgres' ? 'ILIKE' : 'LIKE';
      where.push(`${SEARCH_TEXT} ${op} ? ESCAPE '\\'`);
      params.push(filter.like);
    }
    return { where, params };
  }

  /** One page of rows (`limit + 1`), each with its `sort_key`. */
  list(sql: Sql, tenantId: string, filter: SessionFilter, order: SessionOrder): Promise<Row[]> {
    const { where, params } = this.where(sql, tenantId, filter);
    const key = SORT_KEYS[order.sort].expression;
    if (order.after) {
      where.push(`(${key}, session_id) ${order.order === 'desc' ? '<' : '>'} (?, ?)`);
      params.push(order.after.key, order.after.id);
    }
    const direction = order.order === 'desc' ? 'DESC' : 'ASC';
    return sql.query<Row>(
      `SELECT ${SESSION_COLUMNS}, ${key} AS sort_key FROM history_sessions WHERE ${where.join(' AND ')} ORDER BY ${key} ${direction}, session_id ${direction} LIMIT ${order.limit + 1}`,
      params,
    );
  }

  /**
   * The tenant's sessions whose search text matches `like`, at most `limit` of them, by the trigram
   * index: for platform work only (no row-level security), so the tenant is in the condition. Under
   * row-level security PostgreSQL cannot use an index for ILIKE (not a leakproof operator) and reads
   * every session of the tenant instead.
   */
  async searchCandidates(sql: Sql, tenantId: string, like: string, limit: number): Promise<string[]> {
    const rows = await sql.query<Row>(
      `SELECT session_id FROM history_sessions WHERE tenant_id = ? AND ${SEARCH_TEXT} ILIKE ? ESCAPE '\\' LIMIT ${limit}`,
      [tenantId, like],
    );
    return rows.map((row) => row['session_id'] as string);
  }

  /** How many sessions match the filters. */
  async count(sql: Sql, tenantId: string, filter: SessionFilter): Promise<number> {
    const { where, params } = this.where(sql, tenantId, filter);
    const [row] = await sql.query<Row>(
      `SELECT COUNT(*) AS n FROM history_sessions WHERE ${where.join(' AND ')}`,
      params,
    );
    return Number(row?.['n'] ?? 0);
  }

  async session(sql: Sql, tenantId: string, sessionId: string): Promise<Row | undefined> {
    const [row] = await sql.query<Row>(
      `SELECT ${SESSION_COLUMNS} FROM history_sessions WHERE tenant_id = ? AND session_id = ?`,
      [tenantId, sessionId],
    );
    return row;
  }

  llmSteps(sql: Sql, tenantId: string, sessionId: string): Promise<Row[]> {
    return sql.query<Row>(
      `SELECT sequence, interaction_id, timestamp_us, duration_ms, model, messages, response, tool_calls, prompt_tokens, completion_tokens, total_tokens, success, error, step_description FROM history_llm_interactions WHERE tenant_id = ? AND session_id = ? ORDER BY sequence, timestamp_us LIMIT ${TIMELINE_LIMIT}`,
      [tenantId, sessionId],
    );
  }

  mcpSteps(sql: Sql, tenantId: string, sessionId: string): Promise<Row[]> {
    return sql.query<Row>(
      `SELECT sequence, interaction_id, timestamp_us, duration_ms, server_name, communication_type, tool_name, arguments, result, success, error, step_description FROM history_mcp_interactions WHERE tenant_id = ? AND session_id = ? ORDER BY sequence, timestamp_us LIMIT ${TIMELINE_LIMIT}`,
      [tenantId, sessionId],
    );
  }

  /** The distinct non-null values of one column among the tenant's sessions, sorted. */
  async distinct(sql: Sql, tenantId: string, column: 'agent_type' | 'alert_type' | 'status'): Promise<string[]> {
    const rows = await sql.query<Row>(
      `SELECT DISTINCT ${column} AS v FROM history_sessions WHERE tenant_id = ? AND ${column} IS NOT NULL ORDER BY ${column}`,
      [tenantId],
    );
    return rows.map((row) => row['v'] as string);
  }

  /** Sessions started at or after `from`, counted by status. */
  statusCounts(sql: Sql, tenantId: string, from: number): Promise<Row[]> {
    return sql.query<Row>(
      'SELECT status, COUNT(*) AS n FROM history_sessions WHERE tenant_id = ? AND started_at_us >= ? GROUP BY status',
      [tenantId, from],
    );
  }

  /** The durations of the sessions started at or after `from` that have one, shortest first. */
  async durations(sql: Sql, tenantId: string, from: number): Promise<number[]> {
    const rows = await sql.query<Row>(
      'SELECT duration_ms FROM history_sessions WHERE tenant_id = ? AND started_at_us >= ? AND duration_ms IS NOT NULL ORDER BY duration_ms',
      [tenantId, from],
    );
    return rows.map((row) => Number(row['duration_ms']));
  }

  /** Tokens of the LLM steps of the sessions started at or after `from`, by model. */
  tokensByModel(sql: Sql, tenantId: string, from: number): Promise<Row[]> {
    return sql.query<Row>(
      `SELECT model, COUNT(*) AS calls, COALESCE(SUM(prompt_tokens), 0) AS prompt, COALESCE(SUM(completion_tokens), 0) AS completion, COALESCE(SUM(total_tokens), 0) AS total FROM history_llm_interactions WHERE tenant_id = ? AND session_id IN (${IN_WINDOW}) GROUP BY model ORDER BY model`,
      [tenantId, tenantId, from],
    );
  }

  /** The most-called tools (server + tool) of the sessions started at or after `from`, with their failures. */
  topTools(sql: Sql, tenantId: string, from: number, limit: number): Promise<Row[]> {
    return sql.query<Row>(
      `SELECT server_name, tool_name, COUNT(*) AS calls, SUM(CASE WHEN success THEN 0 ELSE 1 END) AS failures FROM history_mcp_interactions WHERE tenant_id = ? AND communication_type = 'tool_call' AND session_id IN (${IN_WINDOW}) GROUP BY server_name, tool_name ORDER BY COUNT(*) DESC, server_name, tool_name LIMIT ${limit}`,
      [tenantId, tenantId, from],
    );
  }
}
