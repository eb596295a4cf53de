import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createEnvelope, nowMicros, type Actor } from '@vigil/contracts';
import { VigilBusClient } from '@vigil/messaging';
import type { Logger } from '@vigil/observability';
import { LOGGER } from '@vigil/runtime';
import { ALERT_CONFIG, type AlertConfig } from '../alert.config.js';
import type { EventDraft } from '../domain/lifecycle.js';
import { AlertDb, type Column, type Row, type Sql } from './alert-db.js';
import { chunks } from './rows.js';

/** One alert.* envelope, written with the change that caused it and published after the commit. */
export interface OutboxRecord {
  id: string;
  tenantId: string;
  routingKey: string;
  envelope: string;
  correlationId: string;
}

export function outboxRecordOf(
  tenantId: string,
  draft: EventDraft,
  correlationId: string,
  actor?: Actor,
): OutboxRecord {
  const envelope = createEnvelope({
    type: draft.routingKey,
    tenantId,
    payload: draft.payload,
    correlationId,
    ...(actor ? { actor } : {}),
  });
  return {
    id: envelope.id,
    tenantId,
    routingKey: draft.routingKey,
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

/** Writes the records in the caller's transaction (tenant-scoped on PostgreSQL: the outbox has tenant_id). */
export async function writeOutbox(sql: Sql, records: readonly OutboxRecord[]): Promise<void> {
  const now = Number(nowMicros());
  await sql.insert(
    'outbox',
    OUTBOX_COLUMNS,
    records.map((r) => [r.id, r.tenantId, r.routingKey, r.envelope, now]),
  );
}

/** Rows older than this are the sweep's; younger ones are still being published by the fast path. */
const SWEEP_GRACE_US = 5_000_000;
const SWEEP_LIMIT = 500;

/**
 * Publishes the outbox. Fast path: right after a transaction commits, its records are published
 * (confirmed by the broker) and deleted. Sweep: every ALERT_OUTBOX_SWEEP_MS, rows that the fast path
 * did not get to (broker down, process killed between commit and publish) are published oldest
 * first, claimed with SKIP LOCKED so replicas do not both take them. Delivery is at least once:
 * a crash between publish and delete publishes the same envelope (same id) again, and consumers
 * are idempotent on the envelope id.
 */
@Injectable()
export class OutboxRelay implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly db: AlertDb,
    @Inject(VigilBusClient) private readonly client: VigilBusClient,
    @Inject(ALERT_CONFIG) private readonly config: AlertConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err }, 'outbox sweep failed; will try again'))
        .finally(() => (this.sweeping = undefined));
    }, this.config.ALERT_OUTBOX_SWEEP_MS);
    this.timer.unref();
  }

  /** After the commit: publish, then delete what was published. Never throws. */
  dispatch(records: readonly OutboxRecord[]): void {
    if (records.length === 0) return;
    const run = this.publishAndDelete(records).catch((err: unknown) =>
      this.logger.warn({ err, events: records.length }, 'outbox publish failed; the sweep will publish them'),
    );
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Publishes rows left behind; returns how many. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.db.asPlatform(async (sql) => {
        const lock = sql.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
        const rows = await sql.query<Row>(
          `SELECT id, tenant_id, routing_key, envelope FROM outbox WHERE created_at_us < ? ORDER BY created_at_us, id LIMIT ${SWEEP_LIMIT}${lock}`,
          [Number(nowMicros()) - SWEEP_GRACE_US],
        );
        const records = rows.map((row): OutboxRecord => {
          const envelope = row['envelope'] as string;
          return {
            id: row['id'] as string,
            tenantId: row['tenant_id'] as string,
            routingKey: row['routing_key'] as string,
            envelope,
            correlationId: (JSON.parse(envelope) as { correlationId: string }).correlationId,
          };
        });
        await this.publish(records);
        await this.delete(sql, records);
        return records.length;
      });
      total += published;
      if (published < SWEEP_LIMIT) return total;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
    await Promise.allSettled([...this.inFlight]);
  }

  private async publishAndDelete(records: readonly OutboxRecord[]): Promise<void> {
    await this.publish(records);
    await this.db.asPlatform((sql) => this.delete(sql, records));
  }

  private async publish(records: readonly OutboxRecord[]): Promise<void> {
    const { broker } = this.client;
    // In order on one channel; the confirms are awaited together.
    await Promise.all(
      records.map((r) =>
        broker.publish(r.routingKey, Buffer.from(r.envelope), {
          messageId: r.id,
          correlationId: r.correlationId,
          appId: 'alert',
        }),
      ),
    );
  }

  private async delete(sql: Sql, records: readonly OutboxRecord[]): Promise<void> {
    for (const part of chunks(records)) {
      if (part.length)
        await sql.run(
          `DELETE FROM outbox WHERE id IN (${part.map(() => '?').join(', ')})`,
          part.map((r) => r.id),
        );
    }
  }
}
