/**
 * JSONPath-like field paths for the generic webhook: `labels.alertname`, `$.alert.name`,
 * `alerts[0].labels.severity`, `$['key.with.dots']`. A deliberately small subset (no wildcards,
 * filters or recursion): one path names one value.
 */
export type PathSegment = string | number;

export class FieldPathError extends Error {
  override readonly name = 'FieldPathError';
}

const MAX_PATH_LENGTH = 512;
const MAX_SEGMENTS = 32;

/** Parses a path into its segments; throws FieldPathError saying what is wrong with it. */
export function parseFieldPath(path: string): PathSegment[] {
  if (path.length === 0) throw new FieldPathError('is empty');
  if (path.length > MAX_PATH_LENGTH) throw new FieldPathError(`is longer than ${MAX_PATH_LENGTH} characters`);
  let rest = path.trim();
  if (rest === '$') return [];
  if (rest.startsWith('$.')) rest = rest.slice(2);
  else if (rest.startsWith('$[')) rest = rest.slice(1);
  const segments: PathSegment[] = [];
  let i = 0;
  let expectName = true;
  while (i < rest.length) {
    const ch = rest[i]!;
    if (ch === '[') {
      const quote = rest[i + 1];
      let close: number;
      if (quote === "'" || quote === '"') {
        // A quoted name may contain "]" or ".": scan to its closing quote.
        let j = i + 2;
        let name = '';
        while (j < rest.length && rest[j] !== quote) {
          if (rest[j] === '\\' && j + 1 < rest.length) j++;
          name += rest[j];
          j++;
        }
        if (j >= rest.length || rest[j + 1] !== ']')
          throw new FieldPathError(`has an unclosed [${quote}...${quote}] at ${i}`);
        segments.push(name);
        close = j + 1;
      } else {
        close = rest.indexOf(']', i);
        if (close < 0) throw new FieldPathError(`has an unclosed "[" at ${i}`);
        const inner = rest.slice(i + 1, close).trim();
        if (!/^\d{1,9}$/.test(inner))
          throw new FieldPathError(`has "[${inner}]": use [n] for an array index or ['name'] for a field`);
        segments.push(Number(inner));
      }
      i = close + 1;
      expectName = false;
      if (rest[i] === '.') {
        i++;
        expectName = true;
        if (i >= rest.length) throw new FieldPathError('ends with "."');
      }
      continue;
    }
    if (!expectName) throw new FieldPathError(`has an unexpected "${ch}" at ${i}`);
    let end = i;
    while (end < rest.length && rest[end] !== '.' && rest[end] !== '[') end++;
    const name = rest.slice(i, end);
    if (name.length === 0) throw new FieldPathError(`has an empty field name at ${i}`);
    segments.push(name);
    i = end;
    if (rest[i] === '.') {
      i++;
      if (i >= rest.length) throw new FieldPathError('ends with "."');
    }
    expectName = true;
    if (rest[end] === '[') expectName = false;
  }
  if (segments.length > MAX_SEGMENTS) throw new FieldPathError(`has more than ${MAX_SEGMENTS} segments`);
  return segments;
}

/** The value at the path, or undefined when any step is missing (own properties only). */
export function resolvePath(value: unknown, segments: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return undefined;
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
