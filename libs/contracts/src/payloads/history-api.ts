import { IsArray, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { PageRequest, type Page } from '../paging.js';
import { STATS_WINDOW } from '../time.js';

// ---- queries -----------------------------------------------------------------------------------

export const HISTORY_SESSION_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'skipped'] as const;
export type HistorySessionStatus = (typeof HISTORY_SESSION_STATUSES)[number];
/** The statuses of sessions still running (or queued): what `active-sessions` lists. */
export const ACTIVE_SESSION_STATUSES: readonly HistorySessionStatus[] = ['pending', 'in_progress'];

export const HISTORY_SORT_FIELDS = [
  'started_at',
  'completed_at',
  'duration',
  'status',
  'alert_type',
  'agent_type',
] as const;
export type HistorySortField = (typeof HISTORY_SORT_FIELDS)[number];

/** An instant with a time and a zone (`Z` or an offset), any fraction length. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const INSTANT_MESSAGE = '$property must be an ISO-8601 instant with a zone, e.g. 2026-11-22T15:16:26Z';

/** Shortest `q`: shorter searches match too much to be useful. */
export const HISTORY_MIN_SEARCH = 3;

/** `GET /api/v1/history/sessions`: filters AND-combined, a sort and a keyset page. */
export class HistorySessionListQuery extends PageRequest {
  @IsOptional()
  @IsArray()
  @IsIn(HISTORY_SESSION_STATUSES, {
    each: true,
    message: `status must be among ${HISTORY_SESSION_STATUSES.join(', ')}`,
  })
  status?: HistorySessionStatus[];

  @IsOptional()
  @IsString()
  @MaxLength(64)
  agentType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  alertType?: string;

  @IsOptional()
  @IsUUID('all', { message: 'alertId must be a UUID' })
  alertId?: string;

  /** Started at or after (ISO-8601). */
  @IsOptional()
  @Matches(ISO_INSTANT, { message: INSTANT_MESSAGE })
  from?: string;

  /** Started before (ISO-8601). */
  @IsOptional()
  @Matches(ISO_INSTANT, { message: INSTANT_MESSAGE })
  to?: string;

  /** Free text over the session's error, final analysis and alert data. */
  @IsOptional()
  @IsString()
  @MinLength(HISTORY_MIN_SEARCH, { message: `q must be at least ${HISTORY_MIN_SEARCH} characters` })
  @MaxLength(200)
  q?: string;

  @IsOptional()
  @IsIn(HISTORY_SORT_FIELDS, { message: `sort must be one of ${HISTORY_SORT_FIELDS.join(', ')}` })
  sort?: HistorySortField;

  @IsOptional()
  @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' })
  order?: 'asc' | 'desc';
}

/** The filters a list applied, echoed with its answer (defaults filled in). */
export interface HistoryAppliedFilters {
  status: HistorySessionStatus[];
  agentType: string | null;
  alertType: string | null;
  alertId: string | null;
  from: string | null;
  to: string | null;
  q: string | null;
  sort: HistorySortField;
  order: 'asc' | 'desc';
}

export const HISTORY_EXPORT_FORMATS = ['markdown', 'json'] as const;
export type HistoryExportFormat = (typeof HISTORY_EXPORT_FORMATS)[number];

/** `GET /api/v1/history/sessions/:id/export?format=markdown|json`. */
export class HistoryExportRequest {
  @IsUUID()
  id!: string;

  @IsIn(HISTORY_EXPORT_FORMATS, { message: `format must be one of ${HISTORY_EXPORT_FORMATS.join(', ')}` })
  format!: HistoryExportFormat;
}

/** `GET /api/v1/history/stats?window=7d` (default 7d). */
export class HistoryStatsQuery {
  /** e.g. 15m, 24h, 7d. */
  @Matches(STATS_WINDOW, { message: 'window must look like 15m, 24h or 7d' })
  window!: string;
}

// ---- views -------------------------------------------------------------------------------------

export interface TokenTotals {
  prompt: number;
  completion: number;
  total: number;
}

/** One investigation session as the API shows it. Times are ISO-8601 with microseconds. */
export interface HistorySessionView {
  sessionId: string;
  alertId: string | null;
  alertType: string | null;
  agentType: string | null;
  status: HistorySessionStatus;
  /** alert | manual */
  trigger: string | null;
  model: string | null;
  /** The alert the agent was given, as it was given. */
  alertData: unknown;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  error: string | null;
  finalAnalysis: string | null;
  forcedConclusion: boolean | null;
  tokens: TokenTotals;
  counts: { llm: number; mcp: number; errors: number };
}

export interface HistorySessionPage extends Page<HistorySessionView> {
  /** Sessions matching the filters, over all pages. */
  total: number;
  filters: HistoryAppliedFilters;
}

interface TimelineStepBase {
  sequence: number;
  timestamp: string;
  durationMs: number;
  stepDescription: string;
  success: boolean;
  error: string | null;
  interactionId: string;
}

export interface LlmTimelineStep extends TimelineStepBase {
  kind: 'llm';
  model: string;
  messages: unknown;
  response: string | null;
  toolCalls: unknown;
  tokens: { prompt: number | null; completion: number | null; total: number | null };
}

export interface McpTimelineStep extends TimelineStepBase {
  kind: 'mcp';
  serverName: string;
  communicationType: 'tool_list' | 'tool_call';
  toolName: string | null;
  arguments: unknown;
  result: unknown;
}

export type TimelineStep = LlmTimelineStep | McpTimelineStep;

/** A session with its LLM and MCP steps interleaved, by sequence then timestamp. */
export interface HistorySessionDetail extends HistorySessionView {
  timeline: TimelineStep[];
}

export interface HistorySessionSummary {
  sessionId: string;
  status: HistorySessionStatus;
  durationMs: number | null;
  counts: { llm: number; mcp: number; toolCalls: number; toolLists: number; errors: number };
  /** The steps that did not succeed, in timeline order, and the session's own error if it failed. */
  errors: { kind: 'llm' | 'mcp' | 'session'; sequence: number | null; stepDescription: string | null; error: string }[];
  tokens: TokenTotals;
  tokensByModel: { model: string; calls: number; prompt: number; completion: number; total: number }[];
  /** Summed durations of the LLM steps and of the MCP steps. */
  timeInLlmMs: number;
  timeInToolsMs: number;
}

export interface HistoryFilterOptions {
  agentTypes: string[];
  alertTypes: string[];
  statuses: HistorySessionStatus[];
}

/** An exported session: the document, its media type and the file name to save it as. */
export interface HistorySessionExport {
  filename: string;
  contentType: string;
  content: string;
}

/** Sessions started within the window (and the steps taken within it): how investigations went. */
export interface HistoryStats {
  window: string;
  from: string;
  to: string;
  sessions: { total: number; byStatus: Record<HistorySessionStatus, number> };
  /** Over the ended sessions that have a duration; null when there are none. */
  durationMs: { mean: number | null; p95: number | null };
  /** From the LLM steps, by model name. */
  tokensByModel: { model: string; calls: number; prompt: number; completion: number; total: number }[];
  /** Tool calls by server and tool, most used first (at most 10). */
  topTools: { serverName: string; toolName: string; calls: number; failures: number }[];
  /** Failed sessions over ended ones (completed, failed, skipped), 4 decimals; null when none ended. */
  failureRate: number | null;
}
