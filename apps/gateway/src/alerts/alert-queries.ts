import { AlertListQuery, AlertStatsQuery, validateAs } from '@vigil/contracts';
import { invalid, listQueryOf, single, type ListQuerySpec } from '../query-params.js';

type Query = Record<string, unknown>;

/** `GET /api/v1/alerts`: its query parameters and the AlertList contract's fields they fill. */
export const ALERT_LIST_QUERY = {
  dto: AlertListQuery,
  lists: [
    ['status', 'status'],
    ['severity', 'severity', { lower: true }],
    // Labels are `key=value` and a value may hold a comma: repeated, never split.
    ['label', 'label', { split: false }],
  ],
  singles: [
    ['alert_type', 'alertType'],
    ['from', 'from'],
    ['to', 'to'],
    ['q', 'q'],
    ['sort', 'sort'],
    ['order', 'order'],
    ['cursor', 'cursor'],
  ],
  limit: true,
} as const satisfies ListQuerySpec<AlertListQuery>;

/**
 * `GET /api/v1/alerts` query → the AlertList RPC's query, checked against the contract (422 naming
 * every bad parameter; unknown parameters refused like unknown body fields).
 */
export function alertListQueryOf(query: Query): AlertListQuery {
  return listQueryOf(query, ALERT_LIST_QUERY);
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
