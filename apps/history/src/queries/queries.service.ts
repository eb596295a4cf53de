import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import {
  ACTIVE_SESSION_STATUSES,
  HISTORY_SESSION_STATUSES,
  pageWindow,
  parseIsoMicros,
  toPage,
  type HistoryAppliedFilters,
  isoMicros,
  type HistoryExportFormat,
  type HistoryFilterOptions,
  type HistorySessionDetail,
  type HistorySessionExport,
  type HistoryStats,
  type HistorySessionListQuery,
  type HistorySessionPage,
  type HistorySessionStatus,
  type HistorySessionSummary,
  type PageRequest,
  windowMicros,
} from '@vigil/contracts';
import { Transactions, type Row, type Sql } from '@vigil/persistence';
import { QueriesStore, SORT_KEYS, type SessionFilter } from './queries.store.js';
import { markdownOf } from './export.js';
import { llmStepOf, mcpStepOf, sessionViewOf, timelineOf } from './views.js';

/** Most-used tools a stats answer lists. */
export const TOP_TOOLS = 10;

/** The value at rank ⌈p·n⌉ of sorted values (nearest rank); null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function invalid(problem: string): UnprocessableEntityException {
  return new UnprocessableEntityException({ message: `invalid request: ${problem}`, errors: [problem] });
}

function instantOf(name: 'from' | 'to', value: string): number {
  const micros = parseIsoMicros(value);
  if (micros === undefined) throw invalid(`${name}: not a valid ISO-8601 instant: ${value}`);
  return Number(micros);
}

/** `q` as a LIKE pattern (ESCAPE '\') matching anywhere; NUL as stored (U+FFFD). */
export function likePatternOf(q: string): string {
  return `%${q.replace(/\0/g, '\uFFFD').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The filters of a list request in the stored form (microseconds, a LIKE pattern); `from` after `to` is refused. */
export function filterOf(query: HistorySessionListQuery): SessionFilter {
  const from = query.from !== undefined ? instantOf('from', query.from) : undefined;
  const to = query.to !== undefined ? instantOf('to', query.to) : undefined;
  if (from !== undefined && to !== undefined && from > to) throw invalid(`from: ${query.from} is after to ${query.to}`);
  return {
    ...(query.status?.length ? { status: [...new Set(query.status)] } : {}),
    ...(query.agentType !== undefined ? { agentType: query.agentType } : {}),
    ...(query.alertType !== undefined ? { alertType: query.alertType } : {}),
    ...(query.alertId !== undefined ? { alertId: query.alertId.toLowerCase() } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(query.q !== undefined ? { like: likePatternOf(query.q) } : {}),
  };
}

/** Most sessions a search hands to the list by id; past it, the list scans with ILIKE. */
const SEARCH_CANDIDATES = 5_000;

/**
 * Investigation sessions as people look at them, in the caller's tenant: the list (filters, sort,
 * keyset pages and the total), one session with its timeline, its summary, the sessions still
 * running and the values the filters can take.
 */
@Injectable()
export class QueriesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly queries: QueriesStore,
  ) {}

  list(tenantId: string, query: HistorySessionListQuery): Promise<HistorySessionPage> {
    const keyset = { sort: query.sort ?? 'started_at', order: query.order ?? 'desc' } as const;
    const window = pageWindow(query, keyset);
    const applied = filterOf(query);
    const filters: HistoryAppliedFilters = {
      status: [...(applied.status ?? [])],
      agentType: query.agentType ?? null,
      alertType: query.alertType ?? null,
      alertId: applied.alertId ?? null,
      from: query.from ?? null,
      to: query.to ?? null,
      q: query.q ?? null,
      sort: keyset.sort,
      order: keyset.order,
    };
    const numeric = SORT_KEYS[keyset.sort].numeric;
    return this.searched(tenantId, applied).then((filter) =>
      this.transactions.inTenant(tenantId, async ({ sql }) => {
        const rows = await this.queries.list(sql, tenantId, filter, { ...keyset, ...window });
        const total = await this.queries.count(sql, tenantId, filter);
        const page = toPage(
          rows,
          window.limit,
          keyset,
          (row) => ({
            key: numeric ? Number(row['sort_key']) : String(row['sort_key']),
            id: row['session_id'] as string,
          }),
          sessionViewOf,
        );
        return { ...page, total, filters };
      }),
    );
  }

  /**
   * On PostgreSQL, `q` is answered by the trigram index first, outside row-level security (which
   * keeps ILIKE from using an index), with the tenant in the condition; the list then reads those
   * sessions by id (the condition checked again), under row-level security as always. When a search matches more sessions than
   * SEARCH_CANDIDATES, the list scans the tenant's sessions with ILIKE instead.
   */
  private async searched(tenantId: string, filter: SessionFilter): Promise<SessionFilter> {
    const like = filter.like;
    if (like === undefined || this.transactions.dialect !== 'postgres') return filter;
    const ids = await this.transactions.asPlatform(({ sql }) =>
      this.queries.searchCandidates(sql, tenantId, like, SEARCH_CANDIDATES + 1),
    );
    // The search condition stays: checked again on those few rows, under row-level security.
    return ids.length > SEARCH_CANDIDATES ? filter : { ...filter, sessionIds: ids };
  }

  /** Pending and in-progress sessions, newest first. */
  active(tenantId: string, request: PageRequest): Promise<HistorySessionPage> {
    return this.list(tenantId, {
      ...(request.limit !== undefined ? { limit: request.limit } : {}),
      ...(request.cursor !== undefined ? { cursor: request.cursor } : {}),
      status: [...ACTIVE_SESSION_STATUSES],
    });
  }

  get(tenantId: string, sessionId: string): Promise<HistorySessionDetail> {
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const row = await this.found(sql, tenantId, sessionId);
      const llm = await this.queries.llmSteps(sql, tenantId, sessionId);
      const mcp = await this.queries.mcpSteps(sql, tenantId, sessionId);
      return { ...sessionViewOf(row), timeline: timelineOf(llm, mcp) };
    });
  }

  summary(tenantId: string, sessionId: string): Promise<HistorySessionSummary> {
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const session = sessionViewOf(await this.found(sql, tenantId, sessionId));
      const llm = (await this.queries.llmSteps(sql, tenantId, sessionId)).map(llmStepOf);
      const mcp = (await this.queries.mcpSteps(sql, tenantId, sessionId)).map(mcpStepOf);
      const byModel = new Map<string, HistorySessionSummary['tokensByModel'][number]>();
      for (const step of llm) {
        const entry = byModel.get(step.model) ?? { model: step.model, calls: 0, prompt: 0, completion: 0, total: 0 };
        entry.calls += 1;
        entry.prompt += step.tokens.prompt ?? 0;
        entry.completion += step.tokens.completion ?? 0;
        entry.total += step.tokens.total ?? 0;
        byModel.set(step.model, entry);
      }
      const errors: HistorySessionSummary['errors'] = [...llm, ...mcp]
        .sort((a, b) => a.sequence - b.sequence || (a.timestamp < b.timestamp ? -1 : 1))
        .filter((step) => !step.success)
        .map((step) => ({
          kind: step.kind,
          sequence: step.sequence,
          stepDescription: step.stepDescription,
          error: step.error ?? 'failed',
        }));
      if (session.error !== null)
        errors.push({ kind: 'session', sequence: null, stepDescription: null, error: session.error });
      const sum = (steps: readonly { durationMs: number }[]) => steps.reduce((s, step) => s + step.durationMs, 0);
      return {
        sessionId: session.sessionId,
        status: session.status,
        durationMs: session.durationMs,
        counts: {
          llm: llm.length,
          mcp: mcp.length,
          toolCalls: mcp.filter((step) => step.communicationType === 'tool_call').length,
          toolLists: mcp.filter((step) => step.communicationType === 'tool_list').length,
          errors: llm.filter((s) => !s.success).length + mcp.filter((s) => !s.success).length,
        },
        errors,
        tokens: session.tokens,
        tokensByModel: [...byModel.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0)),
        timeInLlmMs: sum(llm),
        timeInToolsMs: sum(mcp),
      };
    });
  }

  /** The session as a downloadable report (Markdown) or as the detail route answers it (JSON). */
  async export(tenantId: string, sessionId: string, format: HistoryExportFormat): Promise<HistorySessionExport> {
    const detail = await this.get(tenantId, sessionId);
    if (format === 'json')
      return {
        filename: `investigation-${detail.sessionId}.json`,
        contentType: 'application/json; charset=utf-8',
        content: JSON.stringify(detail),
      };
    return {
      filename: `investigation-${detail.sessionId}.md`,
      contentType: 'text/markdown; charset=utf-8',
      content: markdownOf(detail),
    };
  }

  /** Sessions started within the window: by status, durations, tokens by model, most-used tools, failure rate. */
  stats(tenantId: string, window: string): Promise<HistoryStats> {
    const span = windowMicros(window);
    const to = Date.now() * 1000;
    const from = to - span;
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const byStatus = Object.fromEntries(
        HISTORY_SESSION_STATUSES.map((s) => [s, 0]),
      ) as HistoryStats['sessions']['byStatus'];
      for (const row of await this.queries.statusCounts(sql, tenantId, from))
        byStatus[row['status'] as HistorySessionStatus] = Number(row['n']);
      const durations = await this.queries.durations(sql, tenantId, from);
      const tokensByModel = (await this.queries.tokensByModel(sql, tenantId, from)).map((row) => ({
        model: String(row['model']),
        calls: Number(row['calls']),
        prompt: Number(row['prompt']),
        completion: Number(row['completion']),
        total: Number(row['total']),
      }));
      const topTools = (await this.queries.topTools(sql, tenantId, from, TOP_TOOLS)).map((row) => ({
        serverName: String(row['server_name']),
        toolName: String(row['tool_name'] ?? ''),
        calls: Number(row['calls']),
        failures: Number(row['failures'] ?? 0),
      }));
      const ended = byStatus.completed + byStatus.failed + byStatus.skipped;
      const mean = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
      return {
        window,
        from: isoMicros(BigInt(from)),
        to: isoMicros(BigInt(to)),
        sessions: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
        durationMs: { mean: mean === null ? null : Math.round(mean), p95: percentile(durations, 0.95) },
        tokensByModel,
        topTools,
        failureRate: ended ? Math.round((byStatus.failed / ended) * 10_000) / 10_000 : null,
      };
    });
  }

  filterOptions(tenantId: string): Promise<HistoryFilterOptions> {
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const statuses = new Set(await this.queries.distinct(sql, tenantId, 'status'));
      return {
        agentTypes: await this.queries.distinct(sql, tenantId, 'agent_type'),
        alertTypes: await this.queries.distinct(sql, tenantId, 'alert_type'),
        statuses: HISTORY_SESSION_STATUSES.filter((s): s is HistorySessionStatus => statuses.has(s)),
      };
    });
  }

  /** The session's row; a missing id and another tenant's answer alike. */
  private async found(sql: Sql, tenantId: string, sessionId: string): Promise<Row> {
    const row = await this.queries.session(sql, tenantId, sessionId.toLowerCase());
    if (!row) throw new NotFoundException(`session ${sessionId} not found`);
    return row;
  }
}
