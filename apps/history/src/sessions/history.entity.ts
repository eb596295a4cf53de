import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One investigation session per (tenant, session id). Times are integer unix microseconds (`*_us`),
 * exact in both dialects. JSON is stored as exact JSON text (a model's messages may hold anything,
 * NUL included, which PostgreSQL's jsonb refuses); the plain columns beside it exist for filters and
 * sorting. A session's row may exist before its start arrived (status `pending`, the start's fields
 * null): events arrive in any order. The schema is written by SQL in the consumption store (upserts),
 * not through repositories; these classes describe it for migrations.
 */
@Entity({ name: 'history_sessions' })
@Index('IDX_history_sessions_started', ['tenantId', 'startedAtUs', 'sessionId'])
@Index('IDX_history_sessions_status', ['tenantId', 'status', 'startedAtUs'])
@Index('IDX_history_sessions_agent_type', ['tenantId', 'agentType', 'startedAtUs'])
@Index('IDX_history_sessions_alert_type', ['tenantId', 'alertType', 'startedAtUs'])
@Index('IDX_history_sessions_alert', ['tenantId', 'alertId'])
@Index('IDX_history_sessions_completed', ['tenantId', 'completedAtUs'])
// Expression indexes, created by the migrations: the list's default order and (PostgreSQL) trigram search.
@Index('IDX_history_sessions_started_sort', { synchronize: false })
@Index('IDX_history_sessions_search_trgm', { synchronize: false })
export class HistorySessionRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'session_id', type: 'uuid' })
  sessionId!: string;

  @Column({ name: 'alert_id', type: 'uuid', nullable: true })
  alertId!: string | null;

  @Column({ name: 'alert_type', type: 'varchar', length: 256, nullable: true })
  alertType!: string | null;

  @Column({ name: 'agent_type', type: 'varchar', length: 64, nullable: true })
  agentType!: string | null;

  /** pending | in_progress | completed | failed | skipped */
  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: string;

  /** alert | manual: what started the investigation. */
  @Column({ name: 'trigger_type', type: 'varchar', length: 16, nullable: true })
  triggerType!: string | null;

  @Column({ name: 'model', type: 'varchar', length: 200, nullable: true })
  model!: string | null;

  /** Every field of the alert the agent was given, exact JSON. */
  @Column({ name: 'alert_data', type: 'text', nullable: true })
  alertData!: string | null;

  @Column({ name: 'started_at_us', type: 'bigint', nullable: true })
  startedAtUs!: string | null;

  @Column({ name: 'completed_at_us', type: 'bigint', nullable: true })
  completedAtUs!: string | null;

  /** completed_at − started_at, once both are known. */
  @Column({ name: 'duration_ms', type: 'double precision', nullable: true })
  durationMs!: number | null;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'final_analysis', type: 'text', nullable: true })
  finalAnalysis!: string | null;

  @Column({ name: 'forced_conclusion', type: 'boolean', nullable: true })
  forcedConclusion!: boolean | null;

  /** The session's totals as the provider counted them once it ended; before, the sum of its LLM steps. */
  @Column({ name: 'prompt_tokens', type: 'integer', default: 0 })
  promptTokens!: number;

  @Column({ name: 'completion_tokens', type: 'integer', default: 0 })
  completionTokens!: number;

  @Column({ name: 'total_tokens', type: 'integer', default: 0 })
  totalTokens!: number;

  @Column({ name: 'llm_count', type: 'integer', default: 0 })
  llmCount!: number;

  @Column({ name: 'mcp_count', type: 'integer', default: 0 })
  mcpCount!: number;

  /** Steps (LLM and MCP) that did not succeed. */
  @Column({ name: 'error_count', type: 'integer', default: 0 })
  errorCount!: number;

  /** The highest sequence of the session's events stored so far. */
  @Column({ name: 'last_sequence', type: 'integer', default: 0 })
  lastSequence!: number;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;
}

/** One model call of a session, keyed by its place in the session (sequence). */
@Entity({ name: 'history_llm_interactions' })
export class HistoryLlmInteractionRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'session_id', type: 'uuid' })
  sessionId!: string;

  @PrimaryColumn({ name: 'sequence', type: 'integer' })
  sequence!: number;

  @Column({ name: 'interaction_id', type: 'uuid' })
  interactionId!: string;

  @Column({ name: 'timestamp_us', type: 'bigint' })
  timestampUs!: string;

  @Column({ name: 'duration_ms', type: 'double precision' })
  durationMs!: number;

  @Column({ name: 'model', type: 'varchar', length: 200 })
  model!: string;

  /** The messages sent, exact JSON. */
  @Column({ name: 'messages', type: 'text' })
  messages!: string;

  @Column({ name: 'response', type: 'text', nullable: true })
  response!: string | null;

  /** The tool calls the model asked for, exact JSON. */
  @Column({ name: 'tool_calls', type: 'text', nullable: true })
  toolCalls!: string | null;

  @Column({ name: 'prompt_tokens', type: 'integer', nullable: true })
  promptTokens!: number | null;

  @Column({ name: 'completion_tokens', type: 'integer', nullable: true })
  completionTokens!: number | null;

  @Column({ name: 'total_tokens', type: 'integer', nullable: true })
  totalTokens!: number | null;

  @Column({ name: 'success', type: 'boolean' })
  success!: boolean;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'step_description', type: 'varchar', length: 500 })
  stepDescription!: string;
}

/** One MCP exchange of a session (a tool listing or a tool call), keyed by its place in the session. */
@Entity({ name: 'history_mcp_interactions' })
export class HistoryMcpInteractionRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'session_id', type: 'uuid' })
  sessionId!: string;

  @PrimaryColumn({ name: 'sequence', type: 'integer' })
  sequence!: number;

  @Column({ name: 'interaction_id', type: 'uuid' })
  interactionId!: string;

  @Column({ name: 'timestamp_us', type: 'bigint' })
  timestampUs!: string;

  @Column({ name: 'duration_ms', type: 'double precision' })
  durationMs!: number;

  @Column({ name: 'server_name', type: 'varchar', length: 200 })
  serverName!: string;

  /** tool_list | tool_call */
  @Column({ name: 'communication_type', type: 'varchar', length: 16 })
  communicationType!: string;

  @Column({ name: 'tool_name', type: 'varchar', length: 200, nullable: true })
  toolName!: string | null;

  /** The call's arguments, exact JSON. */
  @Column({ name: 'arguments', type: 'text', nullable: true })
  arguments!: string | null;

  /** The call's result, or the tools a listing returned, exact JSON. */
  @Column({ name: 'result', type: 'text', nullable: true })
  result!: string | null;

  @Column({ name: 'success', type: 'boolean' })
  success!: boolean;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'step_description', type: 'varchar', length: 500 })
  stepDescription!: string;
}

export const HISTORY_ENTITIES = [HistorySessionRow, HistoryLlmInteractionRow, HistoryMcpInteractionRow];
