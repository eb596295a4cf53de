import { parseIsoMicros, validateAs } from '@vigil/contracts';
import { UnprocessableEntityException } from '@nestjs/common';

// What the list routes' query strings share: repeatable values, single values, the 422 naming them.

/** Repeatable or comma-separated: `?status=a&status=b` or `?status=a,b`. */
export function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value]).flatMap((v) =>
    typeof v === 'string' ? v.split(',') : [String(v)],
  );
  return values.map((v) => v.trim()).filter((v) => v.length > 0);
}

/** A parameter that may be given once; given twice, a problem naming it. */
export function single(name: string, value: unknown, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push(`${name}: give it once`);
    return undefined;
  }
  return value;
}

/** The 422 listing every problem, each naming its parameter. */
export function invalid(problems: string[]): UnprocessableEntityException {
  return new UnprocessableEntityException({ message: `invalid request: ${problems.join('; ')}`, errors: problems });
}

/** What a list route's query string holds, and which field of its contract each parameter fills. */
export interface ListQuerySpec<T extends object> {
  /** The contract the parsed query must satisfy (its class-validator rules name each problem). */
  readonly dto: new () => T;
  /** Repeatable parameters, `[param, field]`: given several times, or (unless `split: false`) as a comma list. */
  readonly lists?: readonly (readonly [string, string, { readonly split?: boolean; readonly lower?: boolean }?])[];
  /** Parameters given once, `[param, field]`. */
  readonly singles?: readonly (readonly [string, string])[];
  /** `limit`: an integer (the contract caps it). */
  readonly limit?: boolean;
  /** `from` and `to` among the singles are dates, from ≤ to. */
  readonly range?: boolean;
}

/**
 * A list route's query (snake_case) → its RPC query (the contract's fields), checked against the
 * contract: one 422 naming every bad parameter by its query name, unknown parameters refused like
 * unknown body fields. The one parser of the alert, history and delivery lists.
 */
export function listQueryOf<T extends object>(query: Record<string, unknown>, spec: ListQuerySpec<T>): T {
  const lists = spec.lists ?? [];
  const singles = spec.singles ?? [];
  const known = [
    ...lists.map(([param]) => param),
    ...singles.map(([param]) => param),
    ...(spec.limit ? ['limit'] : []),
  ];
  const problems: string[] = [];
  for (const name of Object.keys(query))
    if (!known.includes(name)) problems.push(`${name}: unknown query parameter (${known.join(', ')})`);
  const plain: Record<string, unknown> = {};
  for (const [param, field, options] of lists) {
    const raw = query[param];
    if (raw === undefined) continue;
    let values =
      options?.split === false ? (Array.isArray(raw) ? raw : [raw]).map(String) : (list(raw) ?? ([] as string[]));
    if (options?.lower) values = values.map((value) => value.toLowerCase());
    if (values.length) plain[field] = values;
  }
  for (const [param, field] of singles) {
    const value = single(param, query[param], problems);
    if (value !== undefined) plain[field] = value;
  }
  if (spec.limit) {
    const limit = single('limit', query.limit, problems);
    if (limit !== undefined) {
      if (/^\d{1,4}$/.test(limit)) plain.limit = Number(limit);
      else problems.push('limit: limit must be an integer');
    }
  }
  if (problems.length) throw invalid(problems);
  const checked = validateAs(spec.dto, plain);
  // A contract problem (`alertType: …`) named by its query parameter (`alert_type: …`).
  const renamed = [...lists.map(([param, field]) => [param, field] as const), ...singles].filter(([p, f]) => p !== f);
  const byParam = (problem: string) => {
    for (const [param, field] of renamed)
      if (problem.startsWith(`${field}:`)) return `${param}:${problem.slice(field.length + 1).replace(field, param)}`;
    return problem;
  };
  if (!checked.ok) throw invalid(checked.problems.map(byParam));
  if (spec.range) {
    const from = typeof plain.from === 'string' ? parseIsoMicros(plain.from) : undefined;
    const to = typeof plain.to === 'string' ? parseIsoMicros(plain.to) : undefined;
    if (plain.from !== undefined && from === undefined) problems.push(`from: not a valid date: ${String(plain.from)}`);
    if (plain.to !== undefined && to === undefined) problems.push(`to: not a valid date: ${String(plain.to)}`);
    if (from !== undefined && to !== undefined && from > to)
      problems.push(`from: ${String(plain.from)} is after to ${String(plain.to)}`);
    if (problems.length) throw invalid(problems);
  }
  return plain as T;
}
