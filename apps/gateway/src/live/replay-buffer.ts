import type { LiveEvent } from './live-events.js';
import type { TopicKey } from './live-frames.js';

export interface ReplayLimits {
  /** The newest events always kept. */
  keep: number;
  /** Older ones are kept while younger than this (ms)... */
  windowMs: number;
  /** ...but never more than this many in all. */
  max: number;
}

/**
 * One tenant's recent events in the order this replica received them, so a client that reconnects
 * with the last event id it saw gets what it missed. An id no longer (or never) here means resync.
 */
export class ReplayBuffer {
  private events: (LiveEvent | undefined)[] = [];
  private head = 0;
  /** Sequence number of events[head]; each event's number is its position since the start. */
  private firstSeq = 0;
  private readonly seqOf = new Map<string, number>();
  /** How many buffered events each topic has: a topic here names an object of this tenant. */
  private readonly topicCounts = new Map<TopicKey, number>();

  constructor(
    private readonly limits: ReplayLimits,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.events.length - this.head;
  }

  has(id: string): boolean {
    return this.seqOf.has(id);
  }

  /** Whether an event of this topic (`alert:<id>`, `session:<id>`) is still here. */
  knows(key: TopicKey): boolean {
    return this.topicCounts.has(key);
  }

  push(event: LiveEvent): void {
    this.seqOf.set(event.id, this.firstSeq + this.size);
    this.events.push(event);
    for (const key of event.topics) this.topicCounts.set(key, (this.topicCounts.get(key) ?? 0) + 1);
    this.evict();
  }

  /** The events received after `id`, oldest first; undefined when `id` is not here (too old or unknown). */
  after(id: string): LiveEvent[] | undefined {
    const seq = this.seqOf.get(id);
    if (seq === undefined) return undefined;
    return this.events.slice(this.head + (seq - this.firstSeq) + 1) as LiveEvent[];
  }

  private evict(): void {
    const oldestKept = this.now() - this.limits.windowMs;
    while (
      this.size > this.limits.max ||
      (this.size > this.limits.keep && this.events[this.head]!.receivedAt < oldestKept)
    ) {
      const event = this.events[this.head]!;
      this.events[this.head++] = undefined;
      this.firstSeq++;
      this.seqOf.delete(event.id);
      for (const key of event.topics) {
        const count = this.topicCounts.get(key)! - 1;
        if (count === 0) this.topicCounts.delete(key);
        else this.topicCounts.set(key, count);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }
}
