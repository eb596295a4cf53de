import type { DataSource, EntityManager } from 'typeorm';
import { InboxEntry } from './inbox-entry.entity.js';

/**
 * The idempotency guard a consumer asks before handling an envelope. Structurally identical to the
 * interface of @vigil/messaging, which this lib does not import: TypeScript's structural typing
 * makes a TypeOrmIdempotencyStore usable wherever messaging expects one.
 */
export interface IdempotencyStore {
  isHandled(consumer: string, envelopeId: string): Promise<boolean>;
  markHandled(consumer: string, envelopeId: string): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 24 * 60 * 60 * 1000;

function check(consumer: string, envelopeId: string): void {
  if (consumer.length === 0 || consumer.length > 200)
    throw new RangeError(`Inbox consumer must be 1 to 200 characters (got ${consumer.length})`);
  // PostgreSQL's uuid column would refuse it anyway; SQLite would not: refuse it in both.
  if (!UUID.test(envelopeId)) throw new TypeError(`Inbox envelope id must be a UUID (got "${envelopeId}")`);
}

/**
 * Records `(consumer, envelopeId)` with `manager`, so inside the handler's own transaction the
 * record commits or rolls back with the handler's writes. Returns true when this call recorded it,
 * false when it was already recorded: a handler that claims first (`if (!(await markHandledIn(...)))
 * return;`) gets exactly-once effects even when two deliveries race, because the second insert
 * waits on the first transaction's primary-key lock and then finds the row.
 */
export async function markHandledIn(
  manager: EntityManager,
  consumer: string,
  envelopeId: string,
  handledAt: Date = new Date(),
): Promise<boolean> {
  check(consumer, envelopeId);
  const [sql, parameters] = manager
    .createQueryBuilder()
    .insert()
    .into(InboxEntry)
    .values({ consumer, envelopeId, handledAt })
    .orIgnore() // ON CONFLICT DO NOTHING / INSERT OR IGNORE
    .getQueryAndParameters();
  // The structured result carries the affected-row count in both dialects; reuse the
  // transaction's runner when there is one.
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, parameters, true);
    return (result.affected ?? 0) > 0;
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

export class TypeOrmIdempotencyStore implements IdempotencyStore {
  constructor(private readonly dataSource: DataSource) {}

  async isHandled(consumer: string, envelopeId: string): Promise<boolean> {
    check(consumer, envelopeId);
    return this.dataSource.getRepository(InboxEntry).existsBy({ consumer, envelopeId });
  }

  async markHandled(consumer: string, envelopeId: string): Promise<void> {
    await markHandledIn(this.dataSource.manager, consumer, envelopeId);
  }

  /** See the function of the same name: records inside the caller's transaction. */
  markHandledIn(manager: EntityManager, consumer: string, envelopeId: string): Promise<boolean> {
    return markHandledIn(manager, consumer, envelopeId);
  }

  /** Deletes the records older than `days` days (redeliveries come within minutes, not weeks); returns how many. */
  async prune(days: number, now: Date = new Date()): Promise<number> {
    if (!Number.isFinite(days) || days < 0)
      throw new RangeError(`Inbox retention must be a non-negative number of days (got ${days})`);
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(InboxEntry)
      .where('handled_at < :cutoff', { cutoff: new Date(now.getTime() - days * DAY_MS) })
      .execute();
    return result.affected ?? 0;
  }
}
