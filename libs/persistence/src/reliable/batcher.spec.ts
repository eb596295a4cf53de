import { Batcher } from './batcher.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('Batcher', () => {
  it('flushes when the weight limit is reached, without waiting for the timer', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => (batches.push(items), items.map((i) => i * 2)), {
      maxWeight: 10,
      maxDelayMs: 60_000,
    });
    const results = await Promise.all([batcher.submit(1, 4), batcher.submit(2, 6)]);
    expect(results).toEqual([2, 4]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('flushes after maxDelayMs when the batch is small', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => (batches.push(items), items), {
      maxWeight: 100,
      maxDelayMs: 20,
    });
    const started = Date.now();
    const result = batcher.submit(7);
    await tick(5);
    expect(batches).toEqual([]);
    expect(await result).toBe(7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(batches).toEqual([[7]]);
  });

  it('fails every waiter of a batch whose flush throws, and goes on with the next batch', async () => {
    let fail = true;
    const batcher = new Batcher<string, string>(
      async (items) => {
        if (fail) throw new Error('database down');
        return items;
      },
      { maxWeight: 2, maxDelayMs: 1 },
    );
    const first = await Promise.allSettled([batcher.submit('a'), batcher.submit('b')]);
    expect(first.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual([
      'database down',
      'database down',
    ]);
    fail = false;
    await expect(batcher.submit('c')).resolves.toBe('c');
  });

  it('runs one flush at a time; what arrives meanwhile is the next batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    let running = 0;
    let maxRunning = 0;
    const batcher = new Batcher<number, number>(
      async (items) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
        running--;
        return items;
      },
      { maxWeight: 1, maxDelayMs: 1 },
    );
    const first = batcher.submit(1);
    await tick();
    const later = [batcher.submit(2), batcher.submit(3)];
    await tick(5);
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
    expect(maxRunning).toBe(1);
  });

  it('flushes what is queued on close and refuses later submits', async () => {
    const batcher = new Batcher<number, number>(async (items) => items, { maxWeight: 100, maxDelayMs: 60_000 });
    const pending = batcher.submit(1);
    await batcher.close();
    await expect(pending).resolves.toBe(1);
    await expect(batcher.submit(2)).rejects.toThrow('batcher is closed');
  });

  it('refuses a flush that returns the wrong number of results', async () => {
    const batcher = new Batcher<number, number>(async () => [], { maxWeight: 1, maxDelayMs: 1 });
    await expect(batcher.submit(1)).rejects.toThrow('flush returned 0 results for 1 items');
  });
});
