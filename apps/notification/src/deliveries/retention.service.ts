import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@vigil/messaging';
import { placeholders, ScheduledPurge, Transactions } from '@vigil/persistence';
import { CLOCK, LOGGER, type Clock } from '@vigil/runtime';
import { ENGINE_OPTIONS, type EngineOptions } from './engine-options.js';

const DAY_US = 86_400_000_000;
/** Deliveries past retention when the service's options name no other figure. */
export const DEFAULT_DELIVERY_RETENTION_DAYS = 30;
/** Deliveries deleted per transaction (with their attempts): short transactions, never a long lock. */
const RETENTION_BATCH = 500;

/**
 * Every hour, deliveries that are settled (delivered, failed, or carried by another's message) and
 * older than the retention are deleted with their attempts, a small batch per transaction; so are
 * threads of alerts first notified that long ago and escalations that stopped that long ago, and
 * channel turns (pacing) a day past.
 */
@Injectable()
export class DeliveryRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job: ScheduledPurge;

  constructor(
    private readonly transactions: Transactions,
    @Inject(ENGINE_OPTIONS) private readonly options: EngineOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.job = new ScheduledPurge('notification', () => this.purge(), logger);
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Deletes what is past retention at `nowMs`; returns how many deliveries went. */
  async purge(nowMs: number = this.clock()): Promise<number> {
    const days = this.options.retentionDays ?? DEFAULT_DELIVERY_RETENTION_DAYS;
    const cutoff = nowMs * 1_000 - days * DAY_US;
    const deleted = await this.job.inBatches(this.transactions, RETENTION_BATCH, async (sql) => {
      // Settled rows have no time of their own (next_at_us NULL): the due index finds them by status.
      const rows = await sql.query<{ tenant_id: string; id: string }>(
        `SELECT tenant_id, id FROM notification_deliveries
         WHERE status IN ('delivered', 'failed', 'grouped') AND next_at_us IS NULL AND created_at_us < ?
         LIMIT ${RETENTION_BATCH}`,
        [cutoff],
      );
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      await sql.run(
        `DELETE FROM notification_delivery_attempts WHERE delivery_id IN (${placeholders(ids.length)})`,
        ids,
      );
      await sql.run(`DELETE FROM notification_deliveries WHERE id IN (${placeholders(ids.length)})`, ids);
      return rows.length;
    });
    await this.transactions.asPlatform(async ({ sql }) => {
      await sql.run('DELETE FROM notification_threads WHERE created_at_us < ?', [cutoff]);
      await sql.run('DELETE FROM notification_escalations WHERE stopped IS NOT NULL AND updated_at_us < ?', [cutoff]);
      // A channel's turn a day past says nothing any more (a missing row is a free turn).
      await sql.run('DELETE FROM notification_channel_pace WHERE free_at_us < ?', [nowMs * 1_000 - DAY_US]);
    });
    if (deleted) this.logger.info({ deleted, days }, 'notification deliveries past retention deleted');
    return deleted;
  }
}
