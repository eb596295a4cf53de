/**
 * PostgreSQL `text` cannot hold NUL (U+0000); SQLite can. Everything Vigil returns verbatim is kept
 * in JSON text columns (JSON escapes NUL as \u0000, so the stored text has none and round-trips
 * exactly in both dialects). Plain columns only serve filtering, sorting and search: their copies
 * go through `searchable`, in both dialects alike, and so do the values they are compared with.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this replaces
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function searchable(value: string): string {
  // Lone surrogates too: PostgreSQL's ::jsonb refuses their \uD800 escapes.
  return value.replace(UNSTORABLE, '\uFFFD');
}

/** Labels as the filter column stores them: NUL replaced in keys and values, so `::jsonb` accepts it. */
export function searchableLabels(labels: Record<string, string>): string {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) out[searchable(key)] = searchable(labelText(value));
  return JSON.stringify(out);
}

/** Label values are strings by contract; anything else is compared as its JSON. */
export function labelText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/** The text `q` searches: summary, description and labels (`key=value`), lower-cased. */
export function searchTextOf(alert: {
  summary?: string | null;
  description?: string | null;
  labels: Record<string, string>;
}): string {
  const labels = Object.entries(alert.labels).map(([k, v]) => `${k}=${labelText(v)}`);
  return searchable([alert.summary ?? '', alert.description ?? '', ...labels].join('\n').toLowerCase());
}

/** A `q` value as a LIKE pattern (ESCAPE '\'), matching the lower-cased search text anywhere. */
export function likePatternOf(q: string): string {
  return `%${searchable(q.toLowerCase()).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
