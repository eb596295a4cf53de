import { Injectable } from '@nestjs/common';
import type {
  AgentLlmInteraction,
  AgentMcpInteraction,
  AgentSessionCompleted,
  AgentSessionFailed,
  AgentSessionStarted,
} from '@vigil/contracts';
import { chunks, placeholders, type Sql } from '@vigil/persistence';
import {
  ENDED_STATUSES,
  LLM_COLUMNS,
  llmRow,
  MCP_COLUMNS,
  mcpRow,
  microsOf,
  PLACEHOLDER_COLUMNS,
  storable,
} from './rows.js';

/** Sessions settled by one statement at most (per session: two parameters, twice, in its CASE, and its id). */
const SETTLE_CHUNK = 200;
const ENDED = ENDED_STATUSES.map((s) => `'${s}'`).join(', ');
const OF_SESSION = 'i.tenant_id = history_sessions.tenant_id AND i.session_id = history_sessions.session_id';
const LLM_SUM = (column: string) =>
  `COALESCE((SELECT SUM(i.${column}) FROM history_llm_interactions i WHERE ${OF_SESSION}), 0)`;

/** The fields of a start and of an end, with their PostgreSQL types, as they travel in one JSON array. */
const START_FIELDS: Readonly<Record<string, string>> = {
  session_id: 'uuid',
  alert_id: 'uuid',
  alert_type: 'text',
  agent_type: 'text',
  trigger_type: 'text',
  model: 'text',
  alert_data: 'text',
  started_at_us: 'bigint',
};
const END_FIELDS: Readonly<Record<string, string>> = {
  session_id: 'uuid',
  status: 'text',
  completed_at_us: 'bigint',
  error: 'text',
  final_analysis: 'text',
  forced_conclusion: 'boolean',
  prompt_tokens: 'integer',
  completion_tokens: 'integer',
  total_tokens: 'integer',
  alert_id: 'uuid',
  alert_type: 'text',
  agent_type: 'text',
};

/**
 * A JSON array of objects (one parameter) as a table with the given columns, for an UPDATE … FROM:
 * many rows' values in one statement, in either dialect.
 */
function fromJson(sql: Sql, fields: Readonly<Record<string, string>>, alias: string): string {
  if (sql.dialect === 'postgres')
    return `json_to_recordset(CAST(? AS json)) AS ${alias}(${Object.entries(fields)
      .map(([name, type]) => `${name} ${type}`)
      .join(', ')})`;
  return `(SELECT ${Object.keys(fields)
    .map((name) => `json_extract(value, '$.${name}') AS ${name}`)
    .join(', ')} FROM json_each(?)) AS ${alias}`;
}

/**
 * The sessions of one statement as a table `k` to join the values on, and `session_id` among them
 * spelled out beside it: the planner then finds the rows by primary key, instead of joining against a
 * scan of the tenant's sessions (it cannot see into a parameter for how few they are).
 */
function sessionKeys(
  sql: Sql,
  ids: readonly string[],
): { table: string; tableParams: unknown[]; clause: string; clauseParams: unknown[] } {
  return sql.dialect === 'postgres'
    ? {
        table: 'unnest(CAST(? AS uuid[])) AS k(session_id)',
        tableParams: [ids],
        clause: 'history_sessions.session_id = ANY(CAST(? AS uuid[]))',
        clauseParams: [ids],
      }
    : {
        table: '(SELECT value AS session_id FROM json_each(?)) AS k',
        tableParams: [JSON.stringify(ids)],
        clause: `history_sessions.session_id IN (${placeholders(ids.length)})`,
        clauseParams: [...ids],
      };
}

/** The first event of each session (a second start or end of a session changes nothing). */
function firstBySession<E extends { sessionId: string }>(events: readonly E[]): Map<string, E> {
  const first = new Map<string, E>();
  for (const e of events) if (!first.has(e.sessionId)) first.set(e.sessionId, e);
  return first;
}

function startRow(e: AgentSessionStarted): Record<string, unknown> {
  return {
    session_id: e.sessionId,
    alert_id: e.alertId,
    alert_type: storable(e.alertType),
    agent_type: storable(e.agentType),
    trigger_type: e.trigger,
    model: storable(e.model),
    alert_data: JSON.stringify(e.alertData),
    started_at_us: microsOf(e.startedAt),
  };
}

function endRow(e: AgentSessionCompleted | AgentSessionFailed): Record<string, unknown> {
  const completed = 'finalAnalysis' in e;
  return {
    session_id: e.sessionId,
    status: completed ? 'completed' : e.status,
    completed_at_us: microsOf(e.completedAt),
    error: completed ? null : storable(e.error),
    final_analysis: completed ? storable(e.finalAnalysis) : null,
    forced_conclusion: completed ? e.forcedConclusion : null,
    prompt_tokens: e.tokens.prompt,
    completion_tokens: e.tokens.completion,
    total_tokens: e.tokens.total,
    alert_id: e.alertId,
    alert_type: storable(e.alertType),
    agent_type: storable(e.agentType),
  };
}

/**
 * The SQL of the history tables. Every write is order-independent: whichever of a session's events
 * arrives first creates its row, each event fills in only its own fields, an ended session is never
 * reopened, and counts and token sums are recomputed from the stored steps (see settle).
 */
@Injectable()
export class HistoryStore {
  /**
   * Rows for sessions not seen yet (status pending), and every one of the sessions locked until the
   * commit (PostgreSQL: the insert locks a row it conflicts with; the ids come sorted, so two batches
   * lock alike). Two replicas writing steps of one session take turns, and each recount (settle)
   * sees the other's steps. SQLite has one writer at a time already.
   */
  async ensureSessions(sql: Sql, tenantId: string, sessionIds: readonly string[], nowUs: number): Promise<void> {
    await sql.insert(
      'history_sessions',
      PLACEHOLDER_COLUMNS,
      sessionIds.map((id) => [tenantId, id, 'pending', nowUs]),
      // DO UPDATE … WHERE false: the conflicting row is locked but not rewritten.
      'ON CONFLICT (tenant_id, session_id) DO UPDATE SET updated_at_us = excluded.updated_at_us WHERE false',
    );
  }

  /** Steps, keyed by (tenant, session, sequence): a second copy of a step changes nothing. */
  async insertSteps(
    sql: Sql,
    tenantId: string,
    llm: readonly AgentLlmInteraction[],
    mcp: readonly AgentMcpInteraction[],
  ): Promise<void> {
    const suffix = 'ON CONFLICT (tenant_id, session_id, sequence) DO NOTHING';
    await sql.insertAll([
      { table: 'history_llm_interactions', columns: LLM_COLUMNS, rows: llm.map((e) => llmRow(tenantId, e)), suffix },
      { table: 'history_mcp_interactions', columns: MCP_COLUMNS, rows: mcp.map((e) => mcpRow(tenantId, e)), suffix },
    ]);
  }

  /**
   * Brings the batch's sessions up to date in one statement per SETTLE_CHUNK sessions: the fields of
   * their starts (a pending session is now in progress; an ended one stays ended), of their first ends
   * (unless the session had ended already: the first end stands), and what the rows derive from the
   * stored steps (counts and errors, so the same whatever the order; tokens before the end; the
   * duration once both ends are known; the highest sequence seen). One UPDATE instead of one per kind
   * of change: each session row is rewritten once per batch, and its index entries with it.
   */
  async settle(
    sql: Sql,
    tenantId: string,
    maxSequence: ReadonlyMap<string, number>,
    starts: readonly AgentSessionStarted[],
    ends: readonly (AgentSessionCompleted | AgentSessionFailed)[],
    nowUs: number,
  ): Promise<void> {
    const startOf = firstBySession(starts);
    const endOf = firstBySession(ends);
    const count = (table: string, where = '') => `(SELECT COUNT(*) FROM ${table} i WHERE ${OF_SESSION}${where})`;
    const h = 'history_sessions';
    const ended = `(en.session_id IS NOT NULL AND ${h}.status NOT IN (${ENDED}))`;
    const started = 'st.session_id IS NOT NULL';
    const fromStart = (column: string) => `CASE WHEN ${started} THEN st.${column} ELSE ${h}.${column} END`;
    const fromEnd = (column: string) => `CASE WHEN ${ended} THEN en.${column} ELSE ${h}.${column} END`;
    /** A start's value; an end fills it in where neither the row nor a start has one. */
    const fromEither = (column: string) =>
      `CASE WHEN ${ended} THEN COALESCE(${fromStart(column)}, en.${column}) ELSE ${fromStart(column)} END`;
    /** Before its end, a session's tokens are the sum of its LLM steps; after, the provider's totals from the end. */
    const tokens = (column: string) =>
      `${column} = CASE WHEN ${ended} THEN en.${column} WHEN ${h}.status IN (${ENDED}) THEN ${h}.${column}
         ELSE ${LLM_SUM(column)} END`;
    const startedAt = fromStart('started_at_us');
    const completedAt = fromEnd('completed_at_us');
    for (const part of chunks([...maxSequence.keys()].sort(), SETTLE_CHUNK)) {
      const highest = `(CASE ${h}.session_id ${part.map(() => 'WHEN ? THEN CAST(? AS INTEGER)').join(' ')} END)`;
      const highestParams = part.flatMap((id) => [id, maxSequence.get(id)!]);
      const keys = sessionKeys(sql, part);
      const startRows = part.flatMap((id) => (startOf.has(id) ? [startRow(startOf.get(id)!)] : []));
      const endRows = part.flatMap((id) => (endOf.has(id) ? [endRow(endOf.get(id)!)] : []));
      await sql.run(
        `UPDATE ${h} SET
           alert_id = ${fromEither('alert_id')}, alert_type = ${fromEither('alert_type')},
           agent_type = ${fromEither('agent_type')}, trigger_type = ${fromStart('trigger_type')},
           model = ${fromStart('model')}, alert_data = ${fromStart('alert_data')}, started_at_us = ${startedAt},
           status = CASE WHEN ${ended} THEN en.status WHEN ${started} AND ${h}.status = 'pending' THEN 'in_progress'
             ELSE ${h}.status END,
           completed_at_us = ${completedAt}, error = ${fromEnd('error')}, final_analysis = ${fromEnd('final_analysis')},
           forced_conclusion = ${fromEnd('forced_conclusion')},
           ${tokens('prompt_tokens')}, ${tokens('completion_tokens')}, ${tokens('total_tokens')},
           llm_count = ${count('history_llm_interactions')},
           mcp_count = ${count('history_mcp_interactions')},
           error_count = ${count('history_llm_interactions', ' AND NOT i.success')} + ${count('history_mcp_interactions', ' AND NOT i.success')},
           duration_ms = CASE WHEN ${startedAt} IS NOT NULL AND ${completedAt} IS NOT NULL
             THEN (${completedAt} - ${startedAt}) / 1000.0 ELSE NULL END,
           last_sequence = CASE WHEN ${h}.last_sequence < ${highest} THEN ${highest} ELSE ${h}.last_sequence END,
           updated_at_us = ?
         FROM ${keys.table}
           LEFT JOIN ${fromJson(sql, START_FIELDS, 'st')} ON st.session_id = k.session_id
           LEFT JOIN ${fromJson(sql, END_FIELDS, 'en')} ON en.session_id = k.session_id
         WHERE ${h}.tenant_id = ? AND ${h}.session_id = k.session_id AND ${keys.clause}`,
        [
          ...highestParams,
          ...highestParams,
          nowUs,
          ...keys.tableParams,
          JSON.stringify(startRows),
          JSON.stringify(endRows),
          tenantId,
          ...keys.clauseParams,
        ],
      );
    }
  }
}
