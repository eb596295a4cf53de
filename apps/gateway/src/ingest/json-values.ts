/** Small checks on parsed JSON, shared by the receivers. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function own(object: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/**
 * A map of string values (labels, annotations). `coerce`: numbers and booleans become strings
 * (webhooks from tools that are loose about it); otherwise any non-string value is a problem.
 */
export function stringMap(
  value: unknown,
  path: string,
  problems: string[],
  coerce = false,
): Record<string, string> | undefined {
  if (!isJsonObject(value)) {
    problems.push(`${path}: must be an object of string values, not ${describeJsonType(value)}`);
    return undefined;
  }
  const entries: [string, string][] = [];
  let ok = true;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') entries.push([key, item]);
    else if (coerce && (typeof item === 'number' || typeof item === 'boolean')) entries.push([key, String(item)]);
    else if (coerce && item === null) continue;
    else {
      problems.push(`${path}.${key}: must be a string, not ${describeJsonType(item)}`);
      ok = false;
    }
  }
  // fromEntries defines own properties: a "__proto__" label stays a label.
  return ok ? Object.fromEntries(entries) : undefined;
}

/** How deeply arrays and objects nest in a parsed value (a scalar is 0), counted without recursion. */
export function nestingDepth(value: unknown, stopAbove = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) {
      deepest = level;
      if (deepest > stopAbove) return deepest;
    }
    for (const child of Array.isArray(current) ? current : Object.values(current))
      if (child !== null && typeof child === 'object') stack.push([child, level]);
  }
  return deepest;
}
