import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';

const id = '0190c3f1-7b2a-7c00-8000-000000000001';

describe('cursor', () => {
  it('round-trips the sort key and id', () => {
    const text = encodeCursor({ sort: 'last_seen_at', order: 'desc', key: 1_700_000_000_123_456, id });
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, 'last_seen_at', 'desc')).toEqual({
      sort: 'last_seen_at',
      order: 'desc',
      key: 1_700_000_000_123_456,
      id,
    });
  });

  it('refuses a cursor of another sort or order', () => {
    const text = encodeCursor({ sort: 'severity', order: 'desc', key: 5, id });
    expect(() => decodeCursor(text, 'last_seen_at', 'desc')).toThrow(/belongs to sort=severity order=desc/);
    expect(() => decodeCursor(text, 'severity', 'asc')).toThrow(InvalidCursorError);
  });

  it.each([
    '',
    'garbage',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["s","desc",1.5,"x"]').toString('base64url'),
    Buffer.from(`["s","desc",1,"not-a-uuid"]`).toString('base64url'),
  ])('refuses %j', (text) => {
    expect(() => decodeCursor(text, 's', 'desc')).toThrow(InvalidCursorError);
  });
});
