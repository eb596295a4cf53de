import { DeliveryListQuery, parseIsoMicros, validateAs } from '@vigil/contracts';
import { invalid, list, single } from '../query-params.js';

type Query = Record<string, unknown>;

/** Query parameters (snake_case) and the contract's fields they fill. */
const SINGLE_PARAMS = [
  ['alert_id', 'alertId'],
  ['channel_id', 'channelId'],
  ['from', 'from'],
  ['to', 'to'],
  ['cursor', 'cursor'],
] as const;
const KNOWN = ['status', 'limit', ...SINGLE_PARAMS.map(([param]) => param)];

/** A contract problem (`alertId: …`) named by its query parameter (`alert_id: …`). */
function byParam(problem: string): string {
  for (const [param, field] of SINGLE_PARAMS)
    if (field !== param && problem.startsWith(`${field}:`))
      return `${param}:${problem.slice(field.length + 1).replace(field, param)}`;
  return problem;
}

/**
 * `GET /api/v1/notifications/deliveries` query → the deliveries list RPC's query: alert_id,
 * channel_id, status (repeatable or a comma list), from/to (ISO-8601), limit ≤ 200, cursor. 422
 * naming every bad parameter; unknown parameters refused like unknown body fields.
 */
export function deliveryListQueryOf(query: Query): DeliveryListQuery {
  const problems: string[] = [];
  for (const name of Object.keys(query))
    if (!KNOWN.includes(name)) problems.push(`${name}: unknown query parameter (${KNOWN.join(', ')})`);
  const plain: Record<string, unknown> = {};
  const status = list(query.status);
  if (status?.length) plain.status = status;
  for (const [param, field] of SINGLE_PARAMS) {
    const value = single(param, query[param], problems);
    if (value !== undefined) plain[field] = value;
  }
  const limit = single('limit', query.limit, problems);
  if (limit !== undefined) {
    if (/^\d{1,4}$/.test(limit)) plain.limit = Number(limit);
    else problems.push('limit: limit must be an integer');
  }
  if (problems.length) throw invalid(problems);
  const checked = validateAs(DeliveryListQuery, plain);
  if (!checked.ok) throw invalid(checked.problems.map(byParam));
  const from = typeof plain.from === 'string' ? parseIsoMicros(plain.from) : undefined;
  const to = typeof plain.to === 'string' ? parseIsoMicros(plain.to) : undefined;
  if (plain.from !== undefined && from === undefined) problems.push(`from: not a valid date: ${String(plain.from)}`);
  if (plain.to !== undefined && to === undefined) problems.push(`to: not a valid date: ${String(plain.to)}`);
  if (from !== undefined && to !== undefined && from > to)
    problems.push(`from: ${String(plain.from)} is after to ${String(plain.to)}`);
  if (problems.length) throw invalid(problems);
  return plain as unknown as DeliveryListQuery;
}
