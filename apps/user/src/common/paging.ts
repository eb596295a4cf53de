import { UnprocessableEntityException } from '@nestjs/common';
import type { Page, PageRequest } from '@vigil/contracts';

export const DEFAULT_PAGE_SIZE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lists page by id (UUIDv7, so by creation time): the cursor is the last id of the previous page. */
export function pageParams(request: PageRequest): { limit: number; cursor: string | undefined } {
  const limit = request.limit ?? DEFAULT_PAGE_SIZE;
  if (request.cursor !== undefined && !UUID.test(request.cursor)) {
    throw new UnprocessableEntityException({
      message: 'cursor: must be the nextCursor of a previous page',
      field: 'cursor',
    });
  }
  return { limit, cursor: request.cursor?.toLowerCase() };
}

/** `rows` fetched with `take: limit + 1`: the extra row says there is a next page. */
export function toPage<R extends { id: string }, V>(rows: R[], limit: number, view: (row: R) => V): Page<V> {
  const items = rows.slice(0, limit);
  return { items: items.map(view), nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}
