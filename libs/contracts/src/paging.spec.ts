import { toRemoteError } from '@vigil/messaging';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  MAX_PAGE_SIZE,
  pageWindow,
  positionById,
  toPage,
  type Keyset,
} from './paging.js';

const id = '0190c3f1-7b2a-7c00-8000-000000000001';
const byLastSeen: Keyset = { sort: 'last_seen_at', order: 'desc' };

describe('paging', () => {
  it('round-trips a numeric or a string key with its sort, order and id', () => {
    const numeric = encodeCursor({ ...byLastSeen, key: 1_700_000_000_123_456, id });
    expect(numeric).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(numeric, byLastSeen)).toEqual({ ...byLastSeen, key: 1_700_000_000_123_456, id });
    const text = encodeCursor({ sort: 'id', order: 'asc', key: id, id });
    expect(decodeCursor(text, { sort: 'id', order: 'asc' })).toEqual({ sort: 'id', order: 'asc', key: id, id });
  });

  it('refuses a cursor made for another sort or order, naming both', () => {
    const text = encodeCursor({ sort: 'severity', order: 'desc', key: 5, id });
    expect(() => decodeCursor(text, byLastSeen)).toThrow(
      'cursor: belongs to sort=severity order=desc, not sort=last_seen_at order=desc',
    );
    expect(() => decodeCursor(text, { sort: 'severity', order: 'asc' })).toThrow(InvalidCursorError);
  });

  it.each([
    '',
    'garbage',
    id,
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('{"sort":"s"}').toString('base64url'),
    Buffer.from(`["s","up",1,"${id}"]`).toString('base64url'),
    Buffer.from(`["s","desc",1.5,"${id}"]`).toString('base64url'),
    Buffer.from(`["s","desc",null,"${id}"]`).toString('base64url'),
    Buffer.from(`["s","desc","${'k'.repeat(257)}","${id}"]`).toString('base64url'),
    Buffer.from('["s","desc",1,"not-a-uuid"]').toString('base64url'),
  ])('refuses %j as a cursor', (text) => {
    expect(() => decodeCursor(text, { sort: 's', order: 'desc' })).toThrow(
      new InvalidCursorError('must be the nextCursor of a previous page of this list'),
    );
  });

  it('takes a text key as long as an alert type (256 characters)', () => {
    const key = 'k'.repeat(256);
    const text = encodeCursor({ sort: 's', order: 'desc', key, id });
    expect(decodeCursor(text, { sort: 's', order: 'desc' })).toMatchObject({ key, id });
  });

  it('carries 422 and the field it names into an RPC error reply', () => {
    expect(toRemoteError(new InvalidCursorError('x'))).toEqual({
      message: 'cursor: x',
      status: 422,
      name: 'InvalidCursorError',
      details: { field: 'cursor' },
    });
  });

  it('defaults the page size to 50, caps it at 200 and decodes the cursor', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(50);
    expect(MAX_PAGE_SIZE).toBe(200);
    expect(pageWindow({}, byLastSeen)).toEqual({ limit: 50, after: undefined });
    expect(pageWindow({ limit: 7 }, byLastSeen)).toEqual({ limit: 7, after: undefined });
    expect(pageWindow({ limit: 5000 }, byLastSeen).limit).toBe(200);
    const cursor = encodeCursor({ ...byLastSeen, key: 9, id });
    expect(pageWindow({ cursor }, byLastSeen).after).toEqual({ ...byLastSeen, key: 9, id });
    expect(() => pageWindow({ cursor: 'nope' }, byLastSeen)).toThrow(InvalidCursorError);
  });

  describe('toPage', () => {
    const rows = [1, 2, 3].map((n) => ({ id: `0190c3f1-7b2a-7c00-8000-00000000000${n}`, at: n * 10 }));
    const position = (row: (typeof rows)[number]) => ({ key: row.at, id: row.id });
    const view = (row: (typeof rows)[number]) => row.at;

    it('keeps `limit` rows and points the next cursor after the last of them when an extra row was fetched', () => {
      const page = toPage(rows, 2, byLastSeen, position, view);
      expect(page.items).toEqual([10, 20]);
      expect(decodeCursor(page.nextCursor!, byLastSeen)).toEqual({ ...byLastSeen, key: 20, id: rows[1]!.id });
    });

    it('positions a list ordered by id alone by its id', () => {
      const page = toPage(rows, 1, { sort: 'users', order: 'asc' }, positionById, view);
      expect(decodeCursor(page.nextCursor!, { sort: 'users', order: 'asc' })).toMatchObject({
        key: rows[0]!.id,
        id: rows[0]!.id,
      });
    });

    it('has no next cursor when no extra row was fetched', () => {
      expect(toPage(rows, 3, byLastSeen, position, view)).toEqual({ items: [10, 20, 30], nextCursor: null });
      expect(toPage([], 3, byLastSeen, position, view)).toEqual({ items: [], nextCursor: null });
    });
  });
});
