import { AlertListQuery, AlertStatsQuery, validateAs } from '@vigil/contracts';
import { invalid, list, single } from '../query-params.js';

type Query = Record<string, unknown>;

const LIST_PARAMS = [
  'status',
  'severity',
  'alert_type',
  'label',
  'from',
  'to',
  'q',
  'sort',
  'order',
  'limit',
  'cursor',
];

/**
 * `GET /api/v1/alerts` query → the AlertList RPC's query, checked against the contract (422 naming
 * every bad parameter; unknown parameters refused like unknown body fields).
 */
export function alertListQueryOf(query: Query): AlertListQuery {
  const problems: string[] = [];
  for (const name of Object.keys(query))
    if (!LIST_PARAMS.includes(name)) problems.push(`${name}: unknown query parameter (${LIST_PARAMS.join(', ')})`);
  const plain: Record<string, unknown> = {};
  const status = list(query.status);
  const severity = list(query.severity)?.map((s) => s.toLowerCase());
  const label =
    query.label === undefined ? undefined : (Array.isArray(query.label) ? query.label : [query.label]).map(String);
  if (status?.length) plain.status = status;
  if (severity?.length) plain.severity = severity;
  if (label?.length) plain.label = label;
  for (const [param, field] of [
    ['alert_type', 'alertType'],
    ['from', 'from'],
    ['to', 'to'],
    ['q', 'q'],
    ['sort', 'sort'],
    ['order', 'order'],
    ['cursor', 'cursor'],
  ] as const) {
    const value = single(param, query[param], problems);
    if (value !== undefined) plain[field] = value;
  }
  const limit = single('limit', query.limit, problems);
  if (limit !== undefined) {
    if (/^\d{1,4}$/.test(limit)) plain.limit = Number(limit);
    else problems.push('limit: limit must be an integer');
  }
  if (problems.length) throw invalid(problems);
  const checked = validateAs(AlertListQuery, plain);
  if (!checked.ok) throw invalid(checked.problems.map((p) => p.replace(/^alertType:/, 'alert_type:')));
  return plain as unknown as AlertListQuery;
}

/** `GET /api/v1/alerts/stats?window=24h` (default 24h). */
export function alertStatsQueryOf(query: Query): AlertStatsQuery {
  const problems: string[] = [];
  for (const name of Object.keys(query))
    if (name !== 'window') problems.push(`${name}: unknown query parameter (window)`);
  const window = single('window', query.window, problems) ?? '24h';
  if (problems.length) throw invalid(problems);
  const checked = validateAs(AlertStatsQuery, { window });
  if (!checked.ok) throw invalid(checked.problems);
  return { window };
}
