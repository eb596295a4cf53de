import { createEnvelope, nowMicros, type Actor, type EventOf } from '@vigil/contracts';
import type { Logger, MessageBroker } from '@vigil/messaging';
import type { DataSource } from 'typeorm';
import { chunks, placeholders, sqlOf, type Column, type MultiRowInsert, type Row, type Sql } from '../sql.js';
import { dialectOf } from '../data-source.js';
import { runAsPlatform } from '../tenancy/index.js';

/** One event envelope, written with the change that caused it and published after the commit. */
export interface OutboxRecord {
  id: string;
  tenantId: string;
  routingKey: string;
  envelope: string;
  correlationId: string;
}

export function outboxRecordOf(
  tenantId: string,
  event: EventOf,
  correlationId: string | undefined,
  actor: Actor | undefined,
): OutboxRecord {
  const envelope = createEnvelope({
    type: event.type,
    tenantId,
    payload: event.payload,
    ...(correlationId ? { correlationId } : {}),
    ...(actor ? { actor } : {}),
  });
  return {
    id: envelope.id,
    tenantId,
    routingKey: event.type,
    envelope: JSON.stringify(envelope),
    correlationId: envelope.correlationId,
  };
}

const OUTBOX_COLUMNS: readonly Column[] = [
  { name: 'id', pg: 'uuid' },
  { name: 'tenant_id', pg: 'varchar' },
  { name: 'routing_key', pg: 'varchar' },
  { name: 'envelope', pg: 'text' },
  { name: 'created_at_us', pg: 'bigint' },
];

/** The insert of the records, for the caller's transaction (inside their tenant's scope on PostgreSQL). */
export function outboxInsert(records: readonly OutboxRecord[]): MultiRowInsert {
  const now = Number(nowMicros());
  return {
    table: 'outbox',
    columns: OUTBOX_COLUMNS,
    rows: records.map((r) => [r.id, r.tenantId, r.routingKey, r.envelope, now]),
  };
}

/** Fast-path runs under way at once, each a transaction open while the broker confirms. */
const FAST_PATH_RUNS = 2;
/** Records one fast-path run takes. */
const FAST_PATH_BATCH = 500;
/** Records waiting for a fast-path run beyond which new commits' records are left to the sweep. */
const FAST_PATH_BACKLOG = 20_000;
/** Rows older than this are the sweep's; younger ones are still being published by the fast path. */
const SWEEP_GRACE_US = 5_000_000;
/** Rows one sweep pass claims, publishes and deletes. */
const SWEEP_LIMIT = 500;
/**
 * How long a sweep's claim on its rows lasts: longer than a publish may wait for its confirm
 * (`RabbitBroker` gives up after 60 s), so no other sweep takes rows that are still being published;
 * after a crash, the rows are published again once it has run out.
 */
const CLAIM_LEASE_US = 120_000_000;

/** A row a sweep pass claimed: its age before the claim, and the lease it was given. */
interface ClaimedRecord extends OutboxRecord {
  createdAtUs: number;
  leaseUs: number;
}

export interface OutboxRelayOptions {
  service: string;
  sweepMs: number;
  logger: Logger;
}

/**
 * Publishes the outbox. Fast path: right after a transaction commits, its records are claimed
 * (PostgreSQL: locked with SKIP LOCKED, so no replica's sweep takes them however long the broker
 * takes), published (confirmed by the broker) and deleted. At most `FAST_PATH_RUNS` such runs are
 * under way at once, each holding one database connection while the broker confirms; the records
 * of later commits wait in memory and go together in the next run, so a broker slow to confirm
 * (flow control, a stalled link) never takes the pool the service's own writes need.
 * Sweep: every `sweepMs`, rows that the fast path did not get to (broker down, process killed
 * between commit and publish) are published oldest first, up to `SWEEP_LIMIT` a pass. A pass claims its rows in a short transaction (PostgreSQL:
 * `FOR UPDATE SKIP LOCKED`, passing over rows another replica is claiming or publishing) by moving
 * their `created_at_us` past the claim's lease, publishes them with no transaction open, then deletes
 * the confirmed ones and hands the others back; no row lock is held while the broker confirms.
 * Delivery is at least once only across a crash between publish and delete (or a lease that ran out):
 * the same envelope (same id) is published again, and consumers are idempotent on the envelope id.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Ids of the records the fast path is publishing now: the sweep passes over them. */
  private readonly publishing = new Set<string>();
  /** Committed records waiting for a fast-path run, oldest first. */
  private readonly waiting: OutboxRecord[] = [];
  private runs = 0;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly broker: Pick<MessageBroker, 'publish'> & Partial<Pick<MessageBroker, 'isConnected'>>,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.sweeping ??= this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => this.options.logger.warn({ err }, 'outbox sweep failed; will try again'))
        .finally(() => (this.sweeping = undefined));
    }, this.options.sweepMs);
    this.timer.unref();
  }

  /** Stops the sweep and waits for publishes under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
    // A finished run starts the next one while records wait: wait until none is left.
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** After the commit: publish, then delete what was published. Never throws. */
  dispatch(records: readonly OutboxRecord[]): void {
    if (records.length === 0) return;
    // A publish waits for a broker that is away, and the claim would hold a connection all that
    // time: the sweep publishes these once the broker is back.
    if (this.broker.isConnected?.() === false) return;
    if (this.waiting.length + records.length > FAST_PATH_BACKLOG) return;
    for (const record of records) {
      this.publishing.add(record.id);
      this.waiting.push(record);
    }
    this.pump();
  }

  /** Starts fast-path runs while records wait and fewer than FAST_PATH_RUNS are under way. */
  private pump(): void {
    while (this.runs < FAST_PATH_RUNS && this.waiting.length) {
      const records = this.waiting.splice(0, FAST_PATH_BATCH);
      this.runs++;
      const run = this.publishAndDelete(records)
        .catch((err: unknown) =>
          this.options.logger.warn(
            { err, events: records.length },
            'outbox publish failed; the sweep will publish them',
          ),
        )
        .finally(() => {
          this.runs--;
          this.inFlight.delete(run);
          this.pump();
        });
      this.inFlight.add(run);
    }
  }

  /** Publishes rows left behind (older than `graceUs`, which the fast path may still be publishing); returns how many. */
  async sweep(graceUs = SWEEP_GRACE_US): Promise<number> {
    let total = 0;
    for (;;) {
      const { claimed, seen } = await this.claimOldest(graceUs);
      total += await this.publishClaimed(claimed);
      // A full page may be all rows the fast path is publishing: the next sweep looks again.
      if (seen < SWEEP_LIMIT || claimed.length < seen) break;
    }
    return total;
  }

  /**
   * One short transaction: the oldest rows past the grace, not locked by anyone (PostgreSQL) and
   * not being published by this process, claimed until the lease runs out.
   */
  private claimOldest(graceUs: number): Promise<{ claimed: ClaimedRecord[]; seen: number }> {
    return this.platform(async (sql) => {
      const now = Number(nowMicros());
      const lock = sql.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
      const rows = await sql.query<Row>(
        `SELECT id, tenant_id, routing_key, envelope, created_at_us FROM outbox WHERE created_at_us < ? ORDER BY created_at_us, id LIMIT ${SWEEP_LIMIT}${lock}`,
        [now - graceUs],
      );
      const claimed = rows
        .filter((row) => !this.publishing.has(row['id'] as string))
        .map((row): ClaimedRecord => {
          const envelope = row['envelope'] as string;
          return {
            id: row['id'] as string,
            tenantId: row['tenant_id'] as string,
            routingKey: row['routing_key'] as string,
            envelope,
            correlationId: (JSON.parse(envelope) as { correlationId: string }).correlationId,
            createdAtUs: Number(row['created_at_us']),
            leaseUs: now + CLAIM_LEASE_US,
          };
        });
      for (const part of chunks(claimed)) {
        if (part.length)
          await sql.run(`UPDATE outbox SET created_at_us = ? WHERE id IN (${placeholders(part.length)})`, [
            now + CLAIM_LEASE_US,
            ...part.map((r) => r.id),
          ]);
      }
      return { claimed, seen: rows.length };
    });
  }

  /**
   * Publishes claimed rows outside any transaction, then deletes the confirmed ones and gives the
   * others their age back (for the next sweep); throws the first failure. Returns how many were published.
   */
  private async publishClaimed(claimed: readonly ClaimedRecord[]): Promise<number> {
    if (!claimed.length) return 0;
    const results = await Promise.allSettled(claimed.map((r) => this.publishOne(r)));
    const confirmed = claimed.filter((_, i) => results[i]!.status === 'fulfilled');
    const failed = claimed.filter((_, i) => results[i]!.status === 'rejected');
    await this.platform(async (sql) => {
      await this.delete(sql, confirmed);
      // Only a claim still ours: a lease that ran out may have been taken by another sweep since.
      for (const r of failed)
        await sql.run('UPDATE outbox SET created_at_us = ? WHERE id = ? AND created_at_us = ?', [
          r.createdAtUs,
          r.id,
          r.leaseUs,
        ]);
    });
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    return confirmed.length;
  }

  /**
   * The relay's own transactions (claiming and deleting published rows) commit without waiting for
   * the disk: if one is lost in a crash, its rows are published again, which consumers deduplicate.
   */
  private platform<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return runAsPlatform(this.dataSource, async (manager) => {
      const sql = sqlOf(manager, dialectOf(this.dataSource));
      if (sql.dialect === 'postgres') await sql.query('SET LOCAL synchronous_commit = off');
      return work(sql);
    });
  }

  private async publishAndDelete(records: readonly OutboxRecord[]): Promise<void> {
    try {
      if (dialectOf(this.dataSource) === 'postgres')
        await this.platform(async (sql) => {
          const claimed = await this.claim(sql, records);
          await this.publish(claimed);
          await this.delete(sql, claimed);
        });
      else {
        // SQLite: one process, whose sweep passes over `publishing`; a transaction held open while
        // the broker confirms would stop every other writer.
        await this.publish(records);
        await this.platform((sql) => this.delete(sql, records));
      }
    } finally {
      for (const record of records) this.publishing.delete(record.id);
    }
  }

  /**
   * Locks the rows of `records` still there, neither locked nor claimed by a sweep (a claim moves
   * `created_at_us` into the future; the sweep then publishes them).
   */
  private async claim(sql: Sql, records: readonly OutboxRecord[]): Promise<OutboxRecord[]> {
    const claimed = new Set<string>();
    const now = Number(nowMicros());
    for (const part of chunks(records)) {
      if (!part.length) continue;
      const rows = await sql.query<Row>(
        `SELECT id FROM outbox WHERE id IN (${placeholders(part.length)}) AND created_at_us <= ? FOR UPDATE SKIP LOCKED`,
        [...part.map((r) => r.id), now],
      );
      for (const row of rows) claimed.add(row['id'] as string);
    }
    return records.filter((r) => claimed.has(r.id));
  }

  private async publish(records: readonly OutboxRecord[]): Promise<void> {
    // In order on one channel; the confirms are awaited together.
    await Promise.all(records.map((r) => this.publishOne(r)));
  }

  private publishOne(record: OutboxRecord): Promise<void> {
    return this.broker.publish(record.routingKey, Buffer.from(record.envelope), {
      messageId: record.id,
      correlationId: record.correlationId,
      appId: this.options.service,
    });
  }

  private async delete(sql: Sql, records: readonly OutboxRecord[]): Promise<void> {
    for (const part of chunks(records)) {
      if (part.length)
        await sql.run(
          `DELETE FROM outbox WHERE id IN (${placeholders(part.length)})`,
          part.map((r) => r.id),
        );
    }
  }
}
