import { ALERT_SORT_FIELDS } from '@vigil/contracts';

export type SortField = (typeof ALERT_SORT_FIELDS)[number];
export type SortOrder = 'asc' | 'desc';

/** Where a page ended: the sort it belongs to, the last row's sort key and id (keyset pagination). */
export interface Cursor {
  sort: string;
  order: SortOrder;
  key: number;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.order, cursor.key, cursor.id])).toString('base64url');
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** Decodes a cursor and checks it belongs to the same sort; anything else is an InvalidCursorError. */
export function decodeCursor(text: string, sort: string, order: SortOrder): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not one this service returned');
  }
  if (!Array.isArray(parsed) || parsed.length !== 4)
    throw new InvalidCursorError('cursor is not one this service returned');
  const [s, o, key, id] = parsed as unknown[];
  if (
    typeof s !== 'string' ||
    (o !== 'asc' && o !== 'desc') ||
    typeof key !== 'number' ||
    !Number.isSafeInteger(key) ||
    typeof id !== 'string' ||
    !UUID.test(id)
  ) {
    throw new InvalidCursorError('cursor is not one this service returned');
  }
  if (s !== sort || o !== order)
    throw new InvalidCursorError(`cursor belongs to sort=${s} order=${o}, not sort=${sort} order=${order}`);
  return { sort: s, order: o, key, id };
}
