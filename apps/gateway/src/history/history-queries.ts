import {
  HistoryExportRequest,
  HistorySessionListQuery,
  HistoryStatsQuery,
  PageRequest,
  parseIsoMicros,
  validateAs,
  type HistoryExportFormat,
} from '@vigil/contracts';
import { invalid, list, single } from '../query-params.js';

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

/** Query parameters (snake_case) and the contract's fields they fill. */
const SINGLE_PARAMS = [
  ['agent_type', 'agentType'],
  ['alert_type', 'alertType'],
  ['alert_id', 'alertId'],
  ['from', 'from'],
  ['to', 'to'],
  ['q', 'q'],
  ['sort', 'sort'],
  ['order', 'order'],
  ['cursor', 'cursor'],
] as const;
const LIST_PARAMS = ['status', ...SINGLE_PARAMS.map(([param]) => param), 'limit'];

/** A contract problem (`agentType: …`) named by its query parameter (`agent_type: …`). */
function byParam(problem: string): string {
  for (const [param, field] of SINGLE_PARAMS)
    if (field !== param && problem.startsWith(`${field}:`))
      return `${param}:${problem.slice(field.length + 1).replace(field, param)}`;
  return problem;
}

/**
 * `GET /api/v1/history/sessions` query → the HistorySessionsList RPC's query, checked against the
 * contract: 422 naming every bad parameter (unknown status, malformed date, `from` after `to`, limit
 * over the cap, `q` too short, unknown sort); unknown parameters refused like unknown body fields.
 */
export function historySessionListQueryOf(query: Query): HistorySessionListQuery {
  const problems: string[] = [];
  unknownParams(query, LIST_PARAMS, problems);
  const plain: Record<string, unknown> = {};
  const status = list(query.status);
  if (status?.length) plain.status = status;
  for (const [param, field] of SINGLE_PARAMS) {
    const value = single(param, query[param], problems);
    if (value !== undefined) plain[field] = value;
  }
  const limit = limitOf(query, problems);
  if (limit !== undefined) plain.limit = limit;
  if (problems.length) throw invalid(problems);
  const checked = validateAs(HistorySessionListQuery, plain);
  if (!checked.ok) throw invalid(checked.problems.map(byParam));
  const from = typeof plain.from === 'string' ? parseIsoMicros(plain.from) : undefined;
  const to = typeof plain.to === 'string' ? parseIsoMicros(plain.to) : undefined;
  if (plain.from !== undefined && from === undefined) problems.push(`from: not a valid date: ${String(plain.from)}`);
  if (plain.to !== undefined && to === undefined) problems.push(`to: not a valid date: ${String(plain.to)}`);
  if (from !== undefined && to !== undefined && from > to)
    problems.push(`from: ${String(plain.from)} is after to ${String(plain.to)}`);
  if (problems.length) throw invalid(problems);
  return plain as unknown as HistorySessionListQuery;
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
