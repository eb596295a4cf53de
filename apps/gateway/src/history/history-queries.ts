import {
  HistoryExportRequest,
  HistorySessionListQuery,
  HistoryStatsQuery,
  PageRequest,
  validateAs,
  type HistoryExportFormat,
} from '@vigil/contracts';
import { invalid, listQueryOf, single, type ListQuerySpec } from '../query-params.js';

type Query = Record<string, unknown>;

function unknownParams(query: Query, known: readonly string[], problems: string[]): void {
  for (const name of Object.keys(query))
    if (!known.includes(name))
      problems.push(`${name}: unknown query parameter${known.length ? ` (${known.join(', ')})` : ''}`);
}

function limitOf(query: Query, problems: string[]): number | undefined {
  const limit = single('limit', query.limit, problems);
  if (limit === undefined) return undefined;
  if (/^\d{1,4}$/.test(limit)) return Number(limit);
  problems.push('limit: limit must be an integer');
  return undefined;
}

/** `GET /api/v1/history/sessions`: its query parameters and the contract's fields they fill. */
export const HISTORY_SESSION_LIST_QUERY = {
  dto: HistorySessionListQuery,
  lists: [['status', 'status']],
  singles: [
    ['agent_type', 'agentType'],
    ['alert_type', 'alertType'],
    ['alert_id', 'alertId'],
    ['from', 'from'],
    ['to', 'to'],
    ['q', 'q'],
    ['sort', 'sort'],
    ['order', 'order'],
    ['cursor', 'cursor'],
  ],
  limit: true,
  range: true,
} as const satisfies ListQuerySpec<HistorySessionListQuery>;

/**
 * `GET /api/v1/history/sessions` query → the HistorySessionsList RPC's query, checked against the
 * contract: 422 naming every bad parameter (unknown status, malformed date, `from` after `to`, limit
 * over the cap, `q` too short, unknown sort); unknown parameters refused like unknown body fields.
 */
export function historySessionListQueryOf(query: Query): HistorySessionListQuery {
  return listQueryOf(query, HISTORY_SESSION_LIST_QUERY);
}

/** `limit` and `cursor` only (active sessions). */
export function pageRequestOf(query: Query): PageRequest {
  const problems: string[] = [];
  unknownParams(query, ['limit', 'cursor'], problems);
  const plain: Record<string, unknown> = {};
  const cursor = single('cursor', query.cursor, problems);
  if (cursor !== undefined) plain.cursor = cursor;
  const limit = limitOf(query, problems);
  if (limit !== undefined) plain.limit = limit;
  if (problems.length) throw invalid(problems);
  const checked = validateAs(PageRequest, plain);
  if (!checked.ok) throw invalid(checked.problems);
  return plain as PageRequest;
}

/** No query parameters at all. */
export function noQueryOf(query: Query): Record<string, never> {
  const problems: string[] = [];
  unknownParams(query, [], problems);
  if (problems.length) throw invalid(problems);
  return {};
}

/** `?format=markdown|json` of an export (default markdown). */
export function exportFormatOf(query: Query): HistoryExportFormat {
  const problems: string[] = [];
  unknownParams(query, ['format'], problems);
  const format = single('format', query.format, problems) ?? 'markdown';
  if (problems.length) throw invalid(problems);
  const checked = validateAs(HistoryExportRequest, { id: '00000000-0000-4000-8000-000000000000', format });
  if (!checked.ok) throw invalid(checked.problems);
  return format as HistoryExportFormat;
}

/** `GET /api/v1/history/stats?window=7d` (default 7d), `window` as the alert stats route takes it. */
export function historyStatsQueryOf(query: Query): HistoryStatsQuery {
  const problems: string[] = [];
  unknownParams(query, ['window'], problems);
  const window = single('window', query.window, problems) ?? '7d';
  if (problems.length) throw invalid(problems);
  const checked = validateAs(HistoryStatsQuery, { window });
  if (!checked.ok) throw invalid(checked.problems);
  return { window };
}
