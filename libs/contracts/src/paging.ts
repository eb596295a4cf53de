import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** Every list: `limit` defaults to 50 and may be at most 200. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** `limit` and `cursor` of every list request; `limit` may come as query-string text (converted, then checked). */
export class PageRequest {
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export type SortOrder = 'asc' | 'desc';

/**
 * A list's order: `sort` names what it sorts by (a name the list chooses, e.g. `silences` or
 * `last_seen_at`, so a cursor of one list or sort is refused by another), `order` its direction; ties break by id.
 */
export interface Keyset {
  sort: string;
  order: SortOrder;
}

/** Where a page ended (keyset pagination): the sort it belongs to, the last row's sort key and its id. */
export interface Cursor extends Keyset {
  key: number | string;
  id: string;
}

/**
 * A cursor that is not one the list returned for this sort and order. Any list answers it 422
 * naming `cursor`, like every other bad parameter: the status travels with the error (an RPC
 * reply keeps a numeric `status`, and so does the HTTP error filter), so no caller has to map it.
 */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  readonly status = 422;
  readonly details = { field: 'cursor' };
  constructor(reason: string) {
    super(`cursor: ${reason}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// The longest text a list sorts on: an alert type (256 characters).
const MAX_STRING_KEY = 256;

/** Opaque to clients: base64url of `[sort, order, key, id]`. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.order, cursor.key, cursor.id])).toString('base64url');
}

function isKey(value: unknown): value is number | string {
  return typeof value === 'number'
    ? Number.isSafeInteger(value)
    : typeof value === 'string' && value.length <= MAX_STRING_KEY;
}

/** The cursor in `text`, checked to belong to `keyset`; anything else throws InvalidCursorError. */
export function decodeCursor(text: string, keyset: Keyset): Cursor {
  const foreign = () => new InvalidCursorError('must be the nextCursor of a previous page of this list');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw foreign();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw foreign();
  const [sort, order, key, id] = parsed as unknown[];
  if (
    typeof sort !== 'string' ||
    (order !== 'asc' && order !== 'desc') ||
    !isKey(key) ||
    typeof id !== 'string' ||
    !UUID.test(id)
  )
    throw foreign();
  if (sort !== keyset.sort || order !== keyset.order)
    throw new InvalidCursorError(
      `belongs to sort=${sort} order=${order}, not sort=${keyset.sort} order=${keyset.order}`,
    );
  return { sort, order, key, id };
}

/** What to fetch for a list request: `limit + 1` rows after `after` (the extra row tells whether a next page exists). */
export interface PageWindow {
  limit: number;
  after: Cursor | undefined;
}

export function pageWindow(request: { limit?: number; cursor?: string }, keyset: Keyset): PageWindow {
  return {
    limit: Math.min(request.limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    after: request.cursor === undefined ? undefined : decodeCursor(request.cursor, keyset),
  };
}

/** The position of a row in a list ordered by id alone (UUIDv7 ids: creation order). */
export function positionById(row: { id: string }): { key: string; id: string } {
  return { key: row.id, id: row.id };
}

/**
 * The page from `rows` fetched with `limit + 1`: the first `limit` rows as `view` shows them, and a
 * cursor after the last of them when the extra row exists. `position` gives a row's sort key and id.
 */
export function toPage<R, V>(
  rows: readonly R[],
  limit: number,
  keyset: Keyset,
  position: (row: R) => { key: number | string; id: string },
  view: (row: R) => V,
): Page<V> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(view),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ ...keyset, ...position(last) }) : null,
  };
}
