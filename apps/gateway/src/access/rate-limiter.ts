export type LimitResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets by key: each holds up to `perMinute` tokens and refills at `perMinute` a minute,
 * so a client may burst up to its limit and then sustain the limit. In memory, per gateway replica.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, perMinute: number): LimitResult {
    return this.check(key, perMinute, true);
  }

  /** What `take` would answer, without spending a token: for limits counted after the fact (failures). */
  peek(key: string, perMinute: number): LimitResult {
    return this.check(key, perMinute, false);
  }

  private check(key: string, perMinute: number, spend: boolean): LimitResult {
    const now = this.now();
    const ratePerMs = perMinute / 60_000;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (!spend) return { allowed: true };
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      bucket = { tokens: perMinute, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * ratePerMs);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      if (spend) bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets idle for a minute (full again: they hold nothing worth keeping), else the oldest. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (now - bucket.updatedAt >= 60_000) this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
