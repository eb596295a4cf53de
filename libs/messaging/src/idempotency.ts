/**
 * Remembers which envelopes a consumer has handled, so a redelivery has no second effect.
 * `consumer` is the consuming service (one queue); `envelopeId` the envelope's UUIDv7.
 */
export interface IdempotencyStore {
  isHandled(consumer: string, envelopeId: string): Promise<boolean>;
  markHandled(consumer: string, envelopeId: string): Promise<void>;
}

/**
 * In-memory store, bounded: the least recently seen ids are forgotten first. Enough for
 * redeliveries, which come within seconds or minutes; durable dedupe belongs in the database.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly seen = new Map<string, true>();

  constructor(readonly capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.seen.size;
  }

  async isHandled(consumer: string, envelopeId: string): Promise<boolean> {
    const key = `${consumer}\u0000${envelopeId}`;
    if (!this.seen.has(key)) return false;
    // Refresh recency: Map iteration order is insertion order.
    this.seen.delete(key);
    this.seen.set(key, true);
    return true;
  }

  async markHandled(consumer: string, envelopeId: string): Promise<void> {
    const key = `${consumer}\u0000${envelopeId}`;
    this.seen.delete(key);
    this.seen.set(key, true);
    while (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
  }
}
