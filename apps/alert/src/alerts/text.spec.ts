import { likePatternOf, searchable, searchableLabels, searchTextOf } from './text.js';

describe('text for filter and search columns', () => {
  it('replaces what PostgreSQL text or jsonb cannot hold, and nothing else', () => {
    expect(searchable('a\u0000b')).toBe('a\uFFFDb');
    expect(searchable('x\uD800y')).toBe('x\uFFFDy');
    expect(searchable("emoji 😀 <b>'; DROP TABLE alerts; --")).toBe("emoji 😀 <b>'; DROP TABLE alerts; --");
    expect(JSON.parse(searchableLabels({ 'k\u0000': 'v\u0000', n: 1 as unknown as string }))).toEqual({
      'k\uFFFD': 'v\uFFFD',
      n: '1',
    });
  });

  it('searches lower-cased summary, description and labels', () => {
    expect(searchTextOf({ summary: 'Disk FULL', description: null, labels: { Host: 'DB-1' } })).toBe(
      'disk full\n\nhost=db-1',
    );
  });

  it('escapes LIKE wildcards in q', () => {
    expect(likePatternOf('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });
});
