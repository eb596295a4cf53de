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

/** Sessions recounted by one statement at most (two parameters each, twice, in its CASE). */
const REFRESH_CHUNK = 200;
const ENDED = ENDED_STATUSES.map((s) => `'${s}'`).join(', ');
const OF_SESSION = 'i.tenant_id = history_sessions.tenant_id AND i.session_id = history_sessions.session_id';
const LLM_SUM = (column: string) =>
  `COALESCE((SELECT SUM(i.${column}) FROM history_llm_interactions i WHERE ${OF_SESSION}), 0)`;
/** Before its end, a session's tokens are the sum of its LLM steps; after, the provider's totals from the end. */
const TOKENS = (column: string) =>
  `${column} = CASE WHEN status IN (${ENDED}) THEN ${column} ELSE ${LLM_SUM(column)} END`;

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
 * A JSON array of objects (one parameter) as a table `v` with the given columns, for an UPDATE …
 * FROM: many rows' values in one statement, in either dialect.
 */
function fromJson(sql: Sql, fields: Readonly<Record<string, string>>): string {
  if (sql.dialect === 'postgres')
    return `json_to_recordset(CAST(? AS json)) AS v(${Object.entries(fields)
      .map(([name, type]) => `${name} ${type}`)
      .join(', ')})`;
  return `(SELECT ${Object.keys(fields)
    .map((name) => `json_extract(value, '$.${name}') AS ${name}`)
    .join(', ')} FROM json_each(?)) AS v`;
}

/**
 * `session_id` among the events' sessions, spelled out beside the join with their values: the planner
 * then finds the rows by primary key, instead of joining against a scan of the tenant's sessions
 * (it cannot see into the JSON for how few they are).
 */
function sessionsIn(sql: Sql, events: readonly { sessionId: string }[]): { clause: string; params: unknown[] } {
  const ids = [...new Set(events.map((e) => e.sessionId))];
  return sql.dialect === 'postgres'
    ? { clause: 'history_sessions.session_id = ANY(CAST(? AS uuid[]))', params: [ids] }
    : { clause: `history_sessions.session_id IN (${placeholders(ids.length)})`, params: ids };
}

/**
 * The SQL of the history tables. Every write is order-independent: whichever of a session's events
 * arrives first creates its row, each event fills in only its own fields, an ended session is never
 * reopened, and counts and token sums are recomputed from the stored steps (see refresh).
 */
@Injectable()
export class HistoryStore {
  /**
   * Rows for sessions not seen yet (status pending), and every one of the sessions locked until the
   * commit (PostgreSQL: the insert locks a row it conflicts with; the ids come sorted, so two batches
   * lock alike). Two replicas writing steps of one session take turns, and each recount (refresh)
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

  /** The starts' fields; a pending session is now in progress, an ended one stays ended. One statement. */
  async applyStarted(sql: Sql, tenantId: string, starts: readonly AgentSessionStarted[], nowUs: number): Promise<void> {
    if (starts.length === 0) return;
    const values = fromJson(sql, START_FIELDS);
    const keyed = sessionsIn(sql, starts);
    await sql.run(
      `UPDATE history_sessions SET alert_id = v.alert_id, alert_type = v.alert_type, agent_type = v.agent_type,
         trigger_type = v.trigger_type, model = v.model, alert_data = v.alert_data, started_at_us = v.started_at_us,
         status = CASE WHEN status = 'pending' THEN 'in_progress' ELSE status END, updated_at_us = ?
       FROM ${values} WHERE history_sessions.tenant_id = ? AND ${keyed.clause} AND history_sessions.session_id = v.session_id`,
      [
        nowUs,
        JSON.stringify(
          starts.map((e) => ({
            session_id: e.sessionId,
            alert_id: e.alertId,
            alert_type: storable(e.alertType),
            agent_type: storable(e.agentType),
            trigger_type: e.trigger,
            model: storable(e.model),
            alert_data: JSON.stringify(e.alertData),
            started_at_us: microsOf(e.startedAt),
          })),
        ),
        tenantId,
        ...keyed.params,
      ],
    );
  }

  /** The ends' fields, unless a session already ended (the first end stands). One statement. */
  async applyEnded(
    sql: Sql,
    tenantId: string,
    ends: readonly (AgentSessionCompleted | AgentSessionFailed)[],
    nowUs: number,
  ): Promise<void> {
    if (ends.length === 0) return;
    // A second end of one session in the same batch changes nothing, as it would in a later batch.
    const seen = new Set<string>();
    const first = ends.filter((e) => !seen.has(e.sessionId) && seen.add(e.sessionId));
    const values = fromJson(sql, END_FIELDS);
    const keyed = sessionsIn(sql, first);
    await sql.run(
      `UPDATE history_sessions SET status = v.status, completed_at_us = v.completed_at_us, error = v.error,
         final_analysis = v.final_analysis, forced_conclusion = v.forced_conclusion,
         prompt_tokens = v.prompt_tokens, completion_tokens = v.completion_tokens, total_tokens = v.total_tokens,
         alert_id = COALESCE(history_sessions.alert_id, v.alert_id),
         alert_type = COALESCE(history_sessions.alert_type, v.alert_type),
         agent_type = COALESCE(history_sessions.agent_type, v.agent_type), updated_at_us = ?
       FROM ${values}
       WHERE history_sessions.tenant_id = ? AND ${keyed.clause} AND history_sessions.session_id = v.session_id
         AND history_sessions.status NOT IN (${ENDED})`,
      [
        nowUs,
        JSON.stringify(
          first.map((e) => {
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
          }),
        ),
        tenantId,
        ...keyed.params,
      ],
    );
  }

  /**
   * Recomputes what the sessions' rows derive from their events: step counts and errors (from the
   * stored steps, so the same whatever the order), tokens before the end, the duration once both
   * ends are known, and the highest sequence seen. One statement for many sessions.
   */
  async refresh(sql: Sql, tenantId: string, maxSequence: ReadonlyMap<string, number>, nowUs: number): Promise<void> {
    const count = (table: string, where = '') => `(SELECT COUNT(*) FROM ${table} i WHERE ${OF_SESSION}${where})`;
    for (const part of chunks([...maxSequence.keys()].sort(), REFRESH_CHUNK)) {
      const highest = `(CASE session_id ${part.map(() => 'WHEN ? THEN CAST(? AS INTEGER)').join(' ')} END)`;
      const highestParams = part.flatMap((id) => [id, maxSequence.get(id)!]);
      await sql.run(
        `UPDATE history_sessions SET
           llm_count = ${count('history_llm_interactions')},
           mcp_count = ${count('history_mcp_interactions')},
           error_count = ${count('history_llm_interactions', ' AND NOT i.success')} + ${count('history_mcp_interactions', ' AND NOT i.success')},
           ${TOKENS('prompt_tokens')}, ${TOKENS('completion_tokens')}, ${TOKENS('total_tokens')},
           duration_ms = CASE WHEN started_at_us IS NOT NULL AND completed_at_us IS NOT NULL
             THEN (completed_at_us - started_at_us) / 1000.0 ELSE NULL END,
           last_sequence = CASE WHEN last_sequence < ${highest} THEN ${highest} ELSE last_sequence END,
           updated_at_us = ?
         WHERE tenant_id = ? AND session_id IN (${placeholders(part.length)})`,
        [...highestParams, ...highestParams, nowUs, tenantId, ...part],
      );
    }
  }
}
