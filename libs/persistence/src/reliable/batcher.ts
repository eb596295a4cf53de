export interface BatcherOptions {
  /** Flush as soon as this much weight (e.g. alerts) is queued. */
  maxWeight: number;
  /** Flush at the latest this long after the first item was queued. */
  maxDelayMs: number;
}

interface Waiter<T, R> {
  item: T;
  weight: number;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Collects items from concurrent callers and hands them to `flush` together: when `maxWeight` is
 * reached or `maxDelayMs` after the first one, whichever comes first. One flush runs at a time
 * (items queued meanwhile form the next batch), so batches commit in order. Each caller's promise
 * settles with its own result once its batch is done; if the flush throws, every caller of that
 * batch gets the error.
 */
export class Batcher<T, R> {
  private queue: Waiter<T, R>[] = [];
  private queuedWeight = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly options: BatcherOptions,
  ) {}

  submit(item: T, weight = 1): Promise<R> {
    if (this.closed) return Promise.reject(new Error('batcher is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, weight, resolve, reject });
      this.queuedWeight += weight;
      if (this.queuedWeight >= this.options.maxWeight) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.options.maxDelayMs);
    });
  }

  /** Items waiting for a flush. */
  get pending(): number {
    return this.queue.length;
  }

  /** Flushes what is queued and waits for every flush to finish; later submits are refused. */
  async close(): Promise<void> {
    this.closed = true;
    this.kick();
    while (this.flushing) await this.flushing;
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queuedWeight = 0;
    this.flushing = this.run(batch).finally(() => {
      this.flushing = undefined;
      // What queued up meanwhile: flush now if it is due, else when its timer fires.
      if (this.queue.length > 0 && (this.closed || this.queuedWeight >= this.options.maxWeight || !this.timer))
        this.kick();
    });
  }

  private async run(batch: Waiter<T, R>[]): Promise<void> {
    try {
      const results = await this.flush(batch.map((w) => w.item));
      if (results.length !== batch.length)
        throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
      batch.forEach((waiter, i) => waiter.resolve(results[i]!));
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }
}
