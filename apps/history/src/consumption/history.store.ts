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

const ENDED = ENDED_STATUSES.map((s) => `'${s}'`).join(', ');
const OF_SESSION = 'i.tenant_id = history_sessions.tenant_id AND i.session_id = history_sessions.session_id';
const LLM_SUM = (column: string) =>
  `COALESCE((SELECT SUM(i.${column}) FROM history_llm_interactions i WHERE ${OF_SESSION}), 0)`;
/** Before its end, a session's tokens are the sum of its LLM steps; after, the provider's totals from the end. */
const TOKENS = (column: string) =>
  `${column} = CASE WHEN status IN (${ENDED}) THEN ${column} ELSE ${LLM_SUM(column)} END`;

/**
 * The SQL of the history tables. Every write is order-independent: whichever of a session's events
 * arrives first creates its row, each event fills in only its own fields, an ended session is never
 * reopened, and counts and token sums are recomputed from the stored steps (see refresh).
 */
@Injectable()
export class HistoryStore {
  /** Rows for sessions not seen yet (status pending); existing rows are left alone. */
  async ensureSessions(sql: Sql, tenantId: string, sessionIds: readonly string[], nowUs: number): Promise<void> {
    await sql.insert(
      'history_sessions',
      PLACEHOLDER_COLUMNS,
      sessionIds.map((id) => [tenantId, id, 'pending', nowUs]),
      'ON CONFLICT (tenant_id, session_id) DO NOTHING',
    );
  }

  /**
   * PostgreSQL: locks the sessions' rows (in session id order) until the commit, so that two replicas
   * writing steps of one session take turns and each recount sees the other's steps. SQLite has one
   * writer at a time already.
   */
  async lockSessions(sql: Sql, tenantId: string, sessionIds: readonly string[]): Promise<void> {
    if (sql.dialect !== 'postgres') return;
    for (const part of chunks(sessionIds))
      await sql.query(
        `SELECT session_id FROM history_sessions WHERE tenant_id = ? AND session_id IN (${placeholders(part.length)}) ORDER BY session_id FOR UPDATE`,
        [tenantId, ...part],
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

  /** The start's fields; a pending session is now in progress, an ended one stays ended. */
  async applyStarted(sql: Sql, tenantId: string, e: AgentSessionStarted, nowUs: number): Promise<void> {
    await sql.run(
      `UPDATE history_sessions SET alert_id = ?, alert_type = ?, agent_type = ?, trigger_type = ?, model = ?,
         alert_data = ?, started_at_us = ?,
         status = CASE WHEN status = 'pending' THEN 'in_progress' ELSE status END, updated_at_us = ?
       WHERE tenant_id = ? AND session_id = ?`,
      [
        e.alertId,
        storable(e.alertType),
        storable(e.agentType),
        e.trigger,
        storable(e.model),
        JSON.stringify(e.alertData),
        microsOf(e.startedAt),
        nowUs,
        tenantId,
        e.sessionId,
      ],
    );
  }

  /** The end's fields, unless the session already ended (the first end stands). */
  async applyEnded(
    sql: Sql,
    tenantId: string,
    e: AgentSessionCompleted | AgentSessionFailed,
    nowUs: number,
  ): Promise<void> {
    const completed = 'finalAnalysis' in e;
    await sql.run(
      `UPDATE history_sessions SET status = ?, completed_at_us = ?, error = ?, final_analysis = ?,
         forced_conclusion = ?, prompt_tokens = ?, completion_tokens = ?, total_tokens = ?,
         alert_id = COALESCE(alert_id, ?), alert_type = COALESCE(alert_type, ?),
         agent_type = COALESCE(agent_type, ?), updated_at_us = ?
       WHERE tenant_id = ? AND session_id = ? AND status NOT IN (${ENDED})`,
      [
        completed ? 'completed' : e.status,
        microsOf(e.completedAt),
        completed ? null : storable(e.error),
        completed ? storable(e.finalAnalysis) : null,
        completed ? e.forcedConclusion : null,
        e.tokens.prompt,
        e.tokens.completion,
        e.tokens.total,
        e.alertId,
        storable(e.alertType),
        storable(e.agentType),
        nowUs,
        tenantId,
        e.sessionId,
      ],
    );
  }

  /**
   * Recomputes what a session's row derives from its events: step counts and errors (from the stored
   * steps, so the same whatever the order), tokens before the end, the duration once both ends are
   * known, and the highest sequence seen.
   */
  async refresh(sql: Sql, tenantId: string, sessionId: string, maxSequence: number, nowUs: number): Promise<void> {
    const count = (table: string, where = '') => `(SELECT COUNT(*) FROM ${table} i WHERE ${OF_SESSION}${where})`;
    await sql.run(
      `UPDATE history_sessions SET
         llm_count = ${count('history_llm_interactions')},
         mcp_count = ${count('history_mcp_interactions')},
         error_count = ${count('history_llm_interactions', ' AND NOT i.success')} + ${count('history_mcp_interactions', ' AND NOT i.success')},
         ${TOKENS('prompt_tokens')}, ${TOKENS('completion_tokens')}, ${TOKENS('total_tokens')},
         duration_ms = CASE WHEN started_at_us IS NOT NULL AND completed_at_us IS NOT NULL
           THEN (completed_at_us - started_at_us) / 1000.0 ELSE NULL END,
         last_sequence = CASE WHEN last_sequence < ? THEN ? ELSE last_sequence END,
         updated_at_us = ?
       WHERE tenant_id = ? AND session_id = ?`,
      [maxSequence, maxSequence, nowUs, tenantId, sessionId],
    );
  }
}
