import { MemoryIdempotencyStore } from './idempotency.js';

describe('MemoryIdempotencyStore', () => {
  it('remembers handled ids per consumer', async () => {
    const store = new MemoryIdempotencyStore();
    expect(await store.isHandled('alert', 'e1')).toBe(false);
    await store.markHandled('alert', 'e1');
    expect(await store.isHandled('alert', 'e1')).toBe(true);
    expect(await store.isHandled('history', 'e1')).toBe(false);
  });

  it('is bounded and forgets the least recently seen ids first', async () => {
    const store = new MemoryIdempotencyStore(3);
    await store.markHandled('c', 'a');
    await store.markHandled('c', 'b');
    await store.markHandled('c', 'c');
    expect(await store.isHandled('c', 'a')).toBe(true); // a becomes the most recent
    await store.markHandled('c', 'd'); // evicts b, the least recent
    expect(store.size).toBe(3);
    expect(await store.isHandled('c', 'b')).toBe(false);
    expect(await store.isHandled('c', 'a')).toBe(true);
    expect(await store.isHandled('c', 'c')).toBe(true);
    expect(await store.isHandled('c', 'd')).toBe(true);
  });

  it('holds 200k ids by default', async () => {
    const store = new MemoryIdempotencyStore();
    expect(store.capacity).toBe(200_000);
    for (let i = 0; i < 200_010; i++) await store.markHandled('c', String(i));
    expect(store.size).toBe(200_000);
    expect(await store.isHandled('c', '9')).toBe(false);
    expect(await store.isHandled('c', '10')).toBe(true);
  });

  it('rejects a zero capacity', () => {
    expect(() => new MemoryIdempotencyStore(0)).toThrow(RangeError);
  });
});
