import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000));

  it('forgets an entry at its expiry', () => {
    const cache = new ExpiringCache<string, number>(10, clock);
    cache.set('a', 1, 100);
    now += 99;
    expect(cache.get('a')).toBe(1);
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps null values (negative results) apart from misses, and stores nothing for a zero TTL', () => {
    const cache = new ExpiringCache<string, number | null>(10, clock);
    cache.set('bad', null, 50);
    expect(cache.get('bad')).toBeNull();
    cache.set('off', 1, 0);
    expect(cache.get('off')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new ExpiringCache<string, number>(2, clock);
    cache.set('a', 1, 100);
    cache.set('b', 2, 100);
    cache.set('c', 3, 100);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('deletes by value', () => {
    const cache = new ExpiringCache<string, { id: string }>(10, clock);
    cache.set('k1', { id: 'x' }, 100);
    cache.set('k2', { id: 'x' }, 100);
    cache.set('k3', { id: 'y' }, 100);
    expect(cache.deleteWhere((v) => v.id === 'x')).toBe(2);
    expect(cache.get('k3')).toEqual({ id: 'y' });
    expect(cache.size).toBe(1);
  });
});
